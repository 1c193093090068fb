"""Published versions of a brand's policy file. A version is never edited: a change is a
new version, so deadlines computed yesterday can be explained today."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guichet.lib.scoping import BrandScopedManager


class PolicyVersion(models.Model):
    brand = models.ForeignKey(
        "brands.Brand", on_delete=models.CASCADE, related_name="policy_versions"
    )
    number = models.PositiveIntegerField(_("version"))
    label = models.CharField(_("label"), max_length=60, help_text=_("The file's own `version`."))
    text = models.TextField(_("policy file (TOML)"))
    sha256 = models.CharField(max_length=64)
    source = models.CharField(_("source"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("published"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["brand", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "number"], name="policy_version_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.brand} v{self.number} ({self.label})"
