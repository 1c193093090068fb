"""Customers as a brand knows them: a name, addresses, phone numbers and a language.

A person writing to two brands is two contacts: brands never share customer data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from guichet.lib.scoping import BrandScopedManager


class Contact(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(_("preferred language"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    # Set while a block is in force (its history: ContactBlock). A blocked contact's mail is
    # quarantined and never answered (docs/requirements.md AB-2).
    blocked_since = models.DateTimeField(_("blocked since"), null=True, blank=True)
    # Set when this record was merged into another record of the same customer
    # (contacts.services.contact_merge): it keeps its name and history, owns nothing any
    # more, and its id stands for the other one.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )
    merged_at = models.DateTimeField(_("merged"), null=True, blank=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("merged by"),
    )
    merge_reason = models.TextField(_("reason for the merge"), blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name or self.primary_email or f"#{self.pk}"

    @cached_property
    def primary_email(self) -> str:
        emails = sorted(self.emails.all(), key=lambda e: (not e.is_primary, e.pk))
        return emails[0].address if emails else ""


class ContactEmail(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    address = models.EmailField(_("email address"), max_length=254)
    is_primary = models.BooleanField(_("primary"), default=False)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("email address")
        verbose_name_plural = _("email addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "address"], name="contact_email_unique_in_brand"
            )
        ]

    def __str__(self) -> str:
        return self.address


class ContactPhone(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(
        _("phone number"), max_length=32, help_text=_("Digits, with + for the country code.")
    )
    is_primary = models.BooleanField(_("primary"), default=False)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "number"], name="contact_phone_unique_in_brand"
            )
        ]

    def __str__(self) -> str:
        return self.number


class ContactBlock(models.Model):
    """A block put on a contact, and its lifting: who, when and why (AB-2)."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="blocks")
    blocked_at = models.DateTimeField(_("blocked"))
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("blocked by"),
    )
    reason = models.TextField(_("reason"))
    # The ticket the block was decided on (its timeline tells it too); letters about the
    # block, and automatic answers while it holds, are written on it.
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ticket"),
    )
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lift_reason = models.TextField(_("reason for lifting"), blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        ordering = ["-blocked_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact"],
                condition=models.Q(lifted_at__isnull=True),
                name="contact_one_block_in_force",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact} ({self.blocked_at:%Y-%m-%d})"
