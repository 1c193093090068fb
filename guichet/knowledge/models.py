"""The help centre (docs/help-centre.md): articles per brand and language, grouped in
sections, written in Markdown, reviewed and published by the roles the policy names.

- `Section`: a group of articles on the help centre's home (its title in each language).
- `Article`: one article in one language. A translation points to its `original` and
  remembers which published version of it it was translated from (`source_number`): when
  the original is published again, the translation is stale until it is brought up to date.
  An article may be internal (the staff's only: never on the public help centre).
- `ArticleVersion`: every text an article had, numbered (1, 2, 3…), with who wrote it and
  where it stands: a draft, sent for review, published (the one the public reads), or
  superseded by a later publication. Editing a published article writes a new draft; the
  public keeps reading the published version until the draft is published.
- `ArticleImage`: an image uploaded for the articles (checked as attachments are, raster
  formats only), served from the help centre's address.
- `ArticleDay`: per article and day, the views, "was this helpful?" answers and the
  requests it avoided (deflections), for the reports.
- `Suggestion`: an article suggested to a customer before they wrote (the contact page, the
  chat's form) and opened: whether it helped and whether they wrote anyway, from which
  deflections are counted.
- `FaqCandidate`: a group of recent tickets asking the same thing that no article answers
  yet (KB-2), proposed to the managers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guichet.lib.scoping import BrandScopedManager


class Section(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(_("key"), max_length=60)
    # {"fr": "Livraison", "en": "Delivery"}: a language without a title shows the other's.
    title = models.JSONField(_("title"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created"))

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("help centre section")
        verbose_name_plural = _("help centre sections")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "key"], name="knowledge_section_key"),
        ]

    def __str__(self) -> str:
        return self.key

    def title_in(self, language: str) -> str:
        return str(self.title.get(language) or next(iter(self.title.values()), self.key))

    def description_in(self, language: str) -> str:
        return str(self.description.get(language) or "")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: on the help centre")
    INTERNAL = "internal", _("Internal: the staff only")


class Article(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    section = models.ForeignKey(
        Section, on_delete=models.PROTECT, related_name="articles", verbose_name=_("section")
    )
    language = models.CharField(_("language"), max_length=8)
    # The address's last part (/b/<brand>/help/<id>-<slug>): from the title when first saved.
    slug = models.SlugField(_("slug"), max_length=120, allow_unicode=False)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    # A translation: the article it translates (in another language), and the number of
    # the original's version it was translated from.
    original = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
        verbose_name=_("original"),
    )
    source_number = models.PositiveIntegerField(null=True, blank=True)
    # What the public reads (None: never published, or withdrawn); the latest version.
    published = models.ForeignKey(
        "knowledge.ArticleVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    latest = models.ForeignKey(
        "knowledge.ArticleVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"))
    # Counted as the help centre is read (ArticleDay has them per day): the ranking's
    # popularity, without summing days at each search.
    views = models.PositiveIntegerField(default=0)
    helpful = models.PositiveIntegerField(default=0)
    unhelpful = models.PositiveIntegerField(default=0)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["brand", "language", "published_at"])]
        constraints = [
            # One translation of an article per language.
            models.UniqueConstraint(
                fields=["original", "language"],
                condition=Q(original__isnull=False),
                name="knowledge_one_translation_per_language",
            ),
        ]

    def __str__(self) -> str:
        return f"article {self.pk} ({self.language})"

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC and self.published_id is not None


class VersionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("Waiting for review")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Replaced by a later version")


class ArticleVersion(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text (Markdown)"), max_length=100_000)
    state = models.CharField(max_length=12, choices=VersionState.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("written"))
    # What the writer said of the change; who reviewed it and what they said.
    note = models.CharField(_("note"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=500, blank=True)

    objects = BrandScopedManager()

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="knowledge_version_number"),
        ]

    def __str__(self) -> str:
        return f"article {self.article_id} v{self.number}"


class ArticleImage(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    storage_key = models.CharField(max_length=200)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    objects = BrandScopedManager()

    def __str__(self) -> str:
        return self.filename


class ArticleDay(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)
    helpful = models.PositiveIntegerField(default=0)
    unhelpful = models.PositiveIntegerField(default=0)
    suggested = models.PositiveIntegerField(default=0)  # opened from a suggestion
    deflections = models.PositiveIntegerField(default=0)

    objects = BrandScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "day"], name="knowledge_article_day"),
        ]
        indexes = [models.Index(fields=["brand", "day"])]

    def __str__(self) -> str:
        return f"article {self.article_id} on {self.day}"


class SuggestedFrom(models.TextChoices):
    CONTACT = "contact", _("The contact page")
    CHAT = "chat", _("The chat's form")


class Suggestion(models.Model):
    """An article suggested before writing and opened by the customer. `visitor` is a hash
    of the browser's session (never the session key itself)."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    visitor = models.CharField(max_length=64)
    source = models.CharField(max_length=10, choices=SuggestedFrom.choices)
    opened_at = models.DateTimeField()
    helpful = models.BooleanField(null=True)
    # The customer wrote anyway (a ticket from the same browser after opening it).
    wrote_at = models.DateTimeField(null=True, blank=True)
    # Counted as a deflection (helped, and no request followed within the grace period).
    deflected_at = models.DateTimeField(null=True, blank=True)

    objects = BrandScopedManager()

    class Meta:
        indexes = [
            models.Index(fields=["brand", "visitor", "opened_at"]),
            models.Index(
                fields=["opened_at"],
                condition=Q(deflected_at__isnull=True, wrote_at__isnull=True),
                name="knowledge_suggestion_open",
            ),
        ]

    def __str__(self) -> str:
        return f"article {self.article_id} suggested ({self.source})"


class CandidateState(models.TextChoices):
    NEW = "new", _("New")
    DRAFTED = "drafted", _("Article started")
    DISMISSED = "dismissed", _("Dismissed")


class FaqCandidate(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8)
    # The period whose tickets were grouped, and when.
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    found_at = models.DateTimeField()
    # The group: its words (the most telling first), its question as the tickets put it
    # most often, how many tickets, how many the period before (the trend).
    terms = models.JSONField(default=list)
    question = models.TextField()
    size = models.PositiveIntegerField()
    previous_size = models.PositiveIntegerField(default=0)
    ticket_ids = models.JSONField(default=list)  # examples, the most typical first
    # The same group found again in a later run carries the same key (its terms).
    key = models.CharField(max_length=200)
    state = models.CharField(
        max_length=10, choices=CandidateState.choices, default=CandidateState.NEW
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = BrandScopedManager()

    class Meta:
        ordering = ["-size", "pk"]
        indexes = [models.Index(fields=["brand", "state", "found_at"])]

    def __str__(self) -> str:
        return self.question[:60]


class ArticleIndex(models.Model):
    """What the help centre's search reads of a published article (guichet.knowledge.index
    writes it when an article is published, withdrawn or its visibility changes): its
    published title and plain text. On PostgreSQL the table also holds their French and
    English lexemes (columns generated by the database, with a GIN index: migration
    `search_index`); on SQLite an FTS5 table beside it holds the words."""

    article = models.OneToOneField(
        Article, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8)
    internal = models.BooleanField(default=False)
    version = models.ForeignKey(ArticleVersion, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    body = models.TextField()

    objects = BrandScopedManager()

    class Meta:
        db_table = "knowledge_article_index"
        indexes = [models.Index(fields=["brand", "language"], name="knowledge_index_brand")]

    def __str__(self) -> str:
        return f"index of article {self.article_id}"
