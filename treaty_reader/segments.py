"""Flattening overlapping spans into segments: how the reading page marks up a clause whose
cross-references and highlights overlap, without nesting HTML badly."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from itertools import pairwise


def segment(
    length: int, layers: Sequence[Sequence[tuple[int, int, Hashable]]]
) -> list[tuple[int, int, tuple[frozenset[Hashable], ...]]]:
    """Flatten overlapping spans from several layers into consecutive segments.

    HTML cannot nest a highlight ``<mark>`` and a cross-reference ``<a>`` that
    overlap without lining up, so the renderer instead emits one run of text per
    segment with the full set of labels covering it. Returns segments covering
    ``[0, length)`` in order; neighbours with identical label sets are merged.
    A sweep over sorted boundaries: O((n + k) log k) plus the size of the output.
    """
    if length <= 0:
        return []
    events: dict[int, list[tuple[int, Hashable, int]]] = {0: [], length: []}
    for layer_index, layer in enumerate(layers):
        for start, end, label in layer:
            start, end = max(start, 0), min(end, length)
            if start < end:
                events.setdefault(start, []).append((layer_index, label, 1))
                events.setdefault(end, []).append((layer_index, label, -1))
    # Counters, not sets: the same label may come from several overlapping spans.
    active: list[Counter[Hashable]] = [Counter() for _ in layers]
    current: list[frozenset[Hashable]] = [frozenset() for _ in layers]
    boundaries = sorted(events)
    result: list[tuple[int, int, tuple[frozenset[Hashable], ...]]] = []
    for position, following in pairwise(boundaries):
        changed: set[int] = set()
        for layer_index, label, delta in events[position]:
            counter = active[layer_index]
            counter[label] += delta
            if not counter[label]:
                del counter[label]
            changed.add(layer_index)
        for layer_index in changed:
            current[layer_index] = frozenset(active[layer_index])
        labels = tuple(current)
        if result and result[-1][2] == labels:
            result[-1] = (result[-1][0], following, labels)
        else:
            result.append((position, following, labels))
    return result
