"""Canned replies: a brand's ready-made answers, per language, with placeholders."""

from __future__ import annotations

from django.db import models
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
