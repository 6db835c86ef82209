"""Numbers as treaties write them: Roman numerals, words ("Part Two") and digits."""

from __future__ import annotations

import re

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
         (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]  # fmt: skip


def to_roman(number: int) -> str:
    out = []
    for value, letters in ROMAN:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


def from_roman(text: str) -> int | None:
    text = text.upper()
    if not text or not re.fullmatch(r"M*(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})", text):
        return None
    values = {"M": 1000, "D": 500, "C": 100, "L": 50, "X": 10, "V": 5, "I": 1}
    total = 0
    for i, letter in enumerate(text):
        value = values[letter]
        total += -value if i + 1 < len(text) and values[text[i + 1]] > value else value
    return total


def parse_number(text: str) -> int | None:
    """'Two', '2' or 'II' → 2."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    return NUMBER_WORDS.get(text.lower()) or from_roman(text)
