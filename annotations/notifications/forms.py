"""The member's notification settings."""

from __future__ import annotations

from django import forms

from annotations.models import EmailChoice


class SettingsForm(forms.Form):
    email = forms.ChoiceField(
        label="Email me",
        choices=EmailChoice.choices,
        widget=forms.RadioSelect,
        help_text="Your address is never shown to other members.",
    )
    watch_on_comment = forms.BooleanField(label="Watch the threads I comment on", required=False)
