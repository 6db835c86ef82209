"""The treaty as structured data: a document, its divisions, articles and clauses."""

from __future__ import annotations

from django.db import models
from django.http import Http404
from django.urls import reverse

from .numerals import to_roman
from .prepared import PLACEHOLDER_TEXT, PreparedQuery, PreparedUpdate


class DocumentQuerySet(models.QuerySet["Document"]):
    def in_signing_order(self) -> DocumentQuerySet:
        return self.order_by("signed_on", "title")

    def for_page(self, slug: str) -> Document:
        """The document with this slug, or 404. Every reading page starts here, mostly to
        answer from the cache, so the query is prepared once per process."""
        found = _BY_SLUG.rows(Document, slug)
        if not found:
            raise Http404("No such document.")
        return found[0]

    def page_changed(self) -> int:
        """Something readers see on these documents' pages changed: every cached copy of
        them, for everyone and for each member, is dropped.

        The one way to say so, with ``page_changed_for`` for a single document (most
        writes). Every write that shows on a page (a highlight, a comment, a like, a
        moderator's action, a suspension) calls one of them in its own transaction; a test
        runs every write service and fails for any that does not.
        """
        return self.update(**_PAGE_CHANGED)

    def page_changed_for(self, pk: int) -> int:
        """``filter(pk=pk).page_changed()`` with its UPDATE built once per process: the ORM
        took 0.2 ms to build it, twelve times what SQLite takes to run it."""
        return _PAGE_CHANGED_FOR.run(pk)


_PAGE_CHANGED = {"generation": models.F("generation") + 1}
_PAGE_CHANGED_FOR = PreparedUpdate(
    lambda pk: Document.objects.filter(pk=pk).order_by(), **_PAGE_CHANGED
)


class Document(models.Model):
    """One treaty. ``version`` goes up whenever its text changes, so caches and anchors can tell."""

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=300)
    full_title = models.CharField(max_length=500, blank=True)
    short_name = models.CharField(max_length=120, blank=True)
    signed_on = models.DateField(null=True, blank=True)
    signed_at = models.CharField("place of signature", max_length=200, blank=True)
    languages = models.CharField(max_length=200, blank=True)
    source = models.TextField(blank=True, help_text="Where the text comes from.")
    forum_like_count = models.PositiveIntegerField(
        default=0, help_text="Likes the post carried on the forum the text was imported from."
    )
    version = models.PositiveIntegerField(default=1)
    generation = models.PositiveBigIntegerField(
        default=0,
        help_text="Goes up with every change shown on the page: highlights, comments, likes…",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["signed_on", "title"]

    def __str__(self) -> str:
        return self.short_name or self.title

    def get_absolute_url(self) -> str:
        return reverse("document", kwargs={"slug": self.slug})

    @property
    def cache_stamp(self) -> str:
        """Names everything shown on this document's pages: a cache key made with it is
        dropped by any change (``generation``), a new text (``version``) or a document
        re-created under a reused primary key (``created_at``)."""
        return f"{self.pk}.{self.created_at.timestamp():.6f}.{self.version}.{self.generation}"


_BY_SLUG = PreparedQuery(lambda slug: Document.objects.filter(slug=slug), PLACEHOLDER_TEXT)


class DocumentPart(models.Model):
    """A part of a document (a division, an article, a clause), shown on the document's page
    at its ``anchor``."""

    # Declared by each part, for its own name on the document (``document.clauses``).
    document: models.ForeignKey[Document, Document]

    class Meta:
        abstract = True

    def get_absolute_url(self) -> str:
        return f"{self.document.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self) -> str:
        """Where the part is on the document's page: the ``id`` of its element."""
        raise NotImplementedError


class PlacedPart(DocumentPart):
    """A part with its place in the document's reading order, one part to a place (the
    import renumbers them: ``services.ORDER_PARKING``)."""

    order = models.PositiveIntegerField()

    class Meta:
        abstract = True
        ordering = ["document", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "order"], name="%(class)s_unique_order_per_document"
            ),
        ]


class Division(PlacedPart):
    """A top-level part of a document: preamble, plenipotentiaries, a Part, or the closing."""

    class Kind(models.TextChoices):
        PREAMBLE = "preamble", "Preamble"
        PLENIPOTENTIARIES = "plenipotentiaries", "Plenipotentiaries"
        PART = "part", "Part"
        CLOSING = "closing", "Closing clauses"

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="divisions", db_index=False
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.CharField(max_length=200)

    class Meta(PlacedPart.Meta):
        constraints = [
            *PlacedPart.Meta.constraints,
            models.UniqueConstraint(
                fields=["document", "kind", "number"],
                name="division_unique_part_number_per_document",
                condition=models.Q(number__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document}: {self.title}"

    @property
    def anchor(self) -> str:
        return f"part-{self.number}" if self.kind == self.Kind.PART else self.kind


class Article(DocumentPart):
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="articles", db_index=False
    )
    division = models.ForeignKey(Division, on_delete=models.CASCADE, related_name="articles")
    number = models.PositiveSmallIntegerField()
    heading = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="article_unique_number_per_document"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document}: Article {self.roman}"

    @property
    def roman(self) -> str:
        return to_roman(self.number)

    @property
    def anchor(self) -> str:
        return f"article-{self.number}"


class ClauseQuerySet(models.QuerySet["Clause"]):
    def in_reading_order(self) -> ClauseQuerySet:
        return self.select_related("division", "article").order_by("order")


class Clause(PlacedPart):
    """A paragraph or numbered section of treaty text, addressed by a key that survives edits."""

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="clauses", db_index=False
    )
    division = models.ForeignKey(Division, on_delete=models.CASCADE, related_name="clauses")
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="clauses", null=True, blank=True
    )
    number = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Section number, where the text numbers it."
    )
    key = models.SlugField(max_length=80)
    text = models.TextField()

    objects = ClauseQuerySet.as_manager()

    class Meta(PlacedPart.Meta):
        constraints = [
            *PlacedPart.Meta.constraints,
            models.UniqueConstraint(
                fields=["document", "key"], name="clause_unique_key_per_document"
            ),
            models.CheckConstraint(condition=~models.Q(text=""), name="clause_text_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.document}: {self.key}"

    @property
    def anchor(self) -> str:
        return self.key
