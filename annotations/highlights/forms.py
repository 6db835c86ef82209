"""Forms for highlights. Comment and flag forms live beside their views."""

from __future__ import annotations

from typing import Any

from django import forms

from annotations.highlights.anchoring import MAX_QUOTE_LENGTH
from annotations.models import HIGHLIGHT_NOTE_MAX_LENGTH, Highlight

COMMENT_MAX_LENGTH = 10_000


class HighlightForm(forms.Form):
    """What the selection toolbar posts: both ends of the selection and what the reader saw."""

    start_key = forms.SlugField(max_length=80)
    start_offset = forms.IntegerField(min_value=0)
    end_key = forms.SlugField(max_length=80)
    end_offset = forms.IntegerField(min_value=0)
    exact = forms.CharField(max_length=MAX_QUOTE_LENGTH * 2, strip=False)
    visibility = forms.ChoiceField(
        choices=Highlight.Visibility.choices, initial=Highlight.Visibility.PUBLIC
    )
    then = forms.ChoiceField(
        choices=[("highlight", "Highlight"), ("comment", "Comment")], required=False
    )

    # What ``services.highlight_create`` takes from the form, by the same names.
    SELECTION = ("start_key", "start_offset", "end_key", "end_offset", "exact", "visibility")

    def selection(self) -> dict[str, Any]:
        """The cleaned selection, as keyword arguments for ``services.highlight_create``."""
        return {name: self.cleaned_data[name] for name in self.SELECTION}

    def error_text(self) -> str:
        if "exact" in self.errors and len(self.data.get("exact", "")) > MAX_QUOTE_LENGTH:
            return f"The selection is longer than {MAX_QUOTE_LENGTH:,} characters."
        fields = ", ".join(sorted(self.errors))
        return f"The selection could not be read ({fields}). Select the text again."


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(
        choices=Highlight.Visibility.choices, widget=forms.RadioSelect, label="Who can see it"
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=HIGHLIGHT_NOTE_MAX_LENGTH,
        label="Your note",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Plain text, up to {HIGHLIGHT_NOTE_MAX_LENGTH:,} characters; shown with the "
        "highlight.",
    )


class ClauseAnnotateForm(forms.Form):
    words = forms.CharField(
        required=False,
        strip=False,
        max_length=MAX_QUOTE_LENGTH,
        label="The words to highlight",
        help_text="Optional. Copy the exact words from the paragraph above; leave this empty "
        "to highlight the whole paragraph.",
    )
    visibility = forms.ChoiceField(
        choices=Highlight.Visibility.choices,
        initial=Highlight.Visibility.PUBLIC,
        widget=forms.RadioSelect,
        label="Who can see the highlight",
    )
    # Not stripped: leading spaces are Markdown (an indented code block), as in the discussion.
    comment = forms.CharField(
        required=False,
        strip=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Optional. Markdown: *emphasis*, [links](https://…), > quotes, lists.",
    )
