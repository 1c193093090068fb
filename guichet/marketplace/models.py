"""Sellers of a marketplace brand (docs/requirements.md MK-1 to MK-3)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from guichet.lib.scoping import BrandScopedManager


class SellerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RESTRICTED = "restricted", _("Restricted")
    TERMINATED = "terminated", _("Terminated")


class Seller(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="sellers")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email address"), blank=True)
    phone = models.CharField(_("phone number"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=SellerStatus.choices, default=SellerStatus.ACTIVE
    )
    strikes = models.PositiveSmallIntegerField(_("strikes"), default=0)
    created_at = models.DateTimeField(_("created"))

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("seller")
        verbose_name_plural = _("sellers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
