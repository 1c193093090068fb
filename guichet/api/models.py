"""API keys: per brand, random, shown once, stored as a hash, scoped, revocable."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guichet.lib.scoping import BrandScopedManager


class Scope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Write")
    INBOUND = "inbound", _("Deliver inbound email")


class ApiKey(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100)
    # The key is "gch_<prefix>_<secret>"; the prefix finds the row, the secret's hash proves it.
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["brand", "name"]

    def __str__(self) -> str:
        return f"{self.name} (gch_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
