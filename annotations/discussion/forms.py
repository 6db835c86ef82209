"""Forms for writing comments. The rules live in ``annotations.comments``; these only read
the request and put the services' messages beside the field."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from annotations.discussion.services import BODY_MAX_LENGTH, body_clean

BODY_HELP = "Markdown: *emphasis*, **strong**, [links](https://…), > quotes, lists, `code`."


class CommentForm(forms.Form):
    """A new comment, or a reply when ``parent`` is given."""

    body = forms.CharField(
        label="Your comment",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": BODY_MAX_LENGTH}),
        help_text=BODY_HELP,
        error_messages={"required": "Write something before posting."},
    )
    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean_body(self) -> str:
        return body_clean(self.cleaned_data["body"])


class CommentEditForm(forms.Form):
    body = forms.CharField(
        label="Edit your comment",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": BODY_MAX_LENGTH}),
        help_text=BODY_HELP,
        error_messages={"required": "Write something before saving."},
    )

    def clean_body(self) -> str:
        try:
            return body_clean(self.cleaned_data["body"])
        except ValidationError as exc:
            if exc.code == "empty":
                raise ValidationError(self.fields["body"].error_messages["required"]) from None
            raise
