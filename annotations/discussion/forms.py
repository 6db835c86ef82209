"""Forms for writing comments. The rules live in ``discussion.services``; these only read
the request and put the services' messages beside the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from annotations.discussion.services import BODY_MAX_LENGTH, body_clean

BODY_HELP = "Markdown: *emphasis*, **strong**, [links](https://…), > quotes, lists, `code`."


class _BodyForm(forms.Form):
    """A comment's Markdown body; each form names it and says what an empty one lacks."""

    label = "Your comment"
    rows = 5
    required_message = "Write something before posting."

    body = forms.CharField(
        strip=False,
        widget=forms.Textarea(attrs={"maxlength": BODY_MAX_LENGTH}),
        help_text=BODY_HELP,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["body"]
        field.label = self.label
        field.widget.attrs["rows"] = self.rows
        field.error_messages = {**field.error_messages, "required": self.required_message}

    def clean_body(self) -> str:
        try:
            return body_clean(self.cleaned_data["body"])
        except ValidationError as exc:
            if exc.code == "empty":
                raise ValidationError(self.required_message) from None
            raise


class CommentForm(_BodyForm):
    """A new comment, or a reply when ``parent`` is given."""

    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class CommentEditForm(_BodyForm):
    label = "Edit your comment"
    rows = 6
    required_message = "Write something before saving."
