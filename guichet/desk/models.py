"""The desk's tables: canned replies (a brand's ready-made answers, per language, with
placeholders) and the views each agent saves."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from guichet.lib.scoping import BrandScopedManager

LANGUAGES = [("fr", "Français"), ("en", "English")]


class CannedReply(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGES)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders: {{ customer_name }}, {{ reference }}, {{ subject }}, "
            "{{ brand_name }}, {{ agent_name }}, {{ first_response_due }}, {{ answer_due }}, "
            "{{ next_due }}."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["brand", "language", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "language", "title"], name="canned_reply_unique_title"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class SavedView(models.Model):
    """An agent's own list: one of the inbox views (`base`, a key of
    `tickets.queries.VIEWS`) narrowed by filters and sorted, under a name of theirs.

    Preference data of one person, like their memberships: not brand-scoped, and read
    only through `desk.queries.saved_views_of`, which takes the person's own views of the
    brands they still hold a role in. `brand` is the brand the view looks at (the one
    brand of its filters, or of the person when they had one); none: all their brands.
    The filters are kept as the list's query string gives them and checked again against
    the person's access each time the view is used (`desk.queries.saved_filters`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    brand = models.ForeignKey(
        "brands.Brand", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=60)
    base = models.CharField(_("view"), max_length=20)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    sort = models.CharField(_("order"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    objects = models.Manager()

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(Lower("name"), "user", name="saved_view_unique_name_per_person")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def count_key(self) -> str:
        """Its key among the counts of the views (`desk.queries.counts`)."""
        return f"saved-{self.pk}"
