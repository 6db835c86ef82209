"""The form a member fills in to flag a comment for the moderators."""

from __future__ import annotations

from django import forms

from annotations.models import FLAG_NOTE_MAX_LENGTH, Flag


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        choices=Flag.Reason.choices,
        widget=forms.RadioSelect,
        label="What is wrong with it?",
        error_messages={"required": "Choose why the comment needs a moderator."},
    )
    note = forms.CharField(
        max_length=FLAG_NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Anything a moderator should know (optional)",
    )
