"""Admin pages to browse the treaty's structure and correct its text."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.text import Truncator

from .models import Article, Clause, Division, Document
from .services import clause_update_text


class DivisionInline(admin.TabularInline):
    model = Division
    fields = ["order", "kind", "number", "title"]
    extra = 0
    show_change_link = True


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["short_name", "title", "signed_on", "signed_at", "version"]
    search_fields = ["title", "full_title", "short_name"]
    prepopulated_fields = {"slug": ["short_name"]}
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [DivisionInline]


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["title", "document", "kind", "number", "order"]
    list_filter = ["document", "kind"]
    fields = ["document", "kind", "number", "title", "order"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "division", "heading"]
    list_filter = ["document", "division__title"]
    search_fields = ["heading"]


@admin.register(Clause)
class ClauseAdmin(admin.ModelAdmin):
    list_display = ["key", "document", "article", "number", "excerpt"]
    list_filter = ["document", "division__kind", "article"]
    list_select_related = ["document", "article__document", "division"]
    search_fields = ["key", "text"]
    fields = ["document", "division", "article", "key", "number", "order", "text"]
    readonly_fields = ["document", "division", "article", "key", "number", "order"]

    @admin.display(description="text")
    def excerpt(self, clause: Clause) -> str:
        return Truncator(clause.text).chars(90)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # clauses come from an import; the admin corrects their text

    def save_model(self, request: HttpRequest, obj: Clause, form, change: bool) -> None:
        """Corrections go through the service, which re-anchors the highlights on the text."""
        original = Clause.objects.get(pk=obj.pk)
        text = obj.text
        obj.text = original.text
        for summary in clause_update_text(clause=obj, text=text):
            messages.info(request, summary)
