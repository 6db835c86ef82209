"""The search form: the box, and the filters also offered as fields for those who prefer them."""

from __future__ import annotations

from django import forms

from .parsing import KINDS, SORTS, Filters, Query, QueryError, article_value, author_value, parse

KIND_CHOICES = [("", "Everything"), *((k, k.capitalize()) for k in KINDS)]
SORT_CHOICES = [(s, "Best match" if s == "relevance" else "Newest first") for s in SORTS]
MAX_PAGE = 10_000


class SearchForm(forms.Form):
    q = forms.CharField(label="Search for", required=False, strip=True)
    kind = forms.ChoiceField(label="Show", choices=KIND_CHOICES, required=False)
    by = forms.CharField(label="By member", required=False, max_length=150)
    article = forms.CharField(label="In article", required=False, max_length=10)
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(label="Order", choices=SORT_CHOICES, required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def clean_by(self) -> str:
        value = self.cleaned_data["by"].strip()
        try:
            return author_value(value, typed="by") if value else ""
        except QueryError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_article(self) -> int | None:
        value = self.cleaned_data["article"].strip()
        try:
            return article_value(value) if value else None
        except QueryError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def query(self) -> Query:
        """The query the box and the fields make together; a filter typed in the box wins."""
        data = self.cleaned_data
        defaults = Filters(
            author=data.get("by") or "",
            article=data.get("article"),
            kind=data.get("kind") or "",
            since=data.get("since"),
            until=data.get("until"),
            sort=data.get("sort") or "relevance",
        )
        return parse(data.get("q") or "", defaults)

    def error_text(self) -> str:
        """Every field's errors, as one message for the top of the results."""
        messages: list[str] = []
        for name, errors in self.errors.items():
            label = self.fields[name].label or name
            messages.extend(f"{label}: {error}" for error in errors)
        return " ".join(messages)
