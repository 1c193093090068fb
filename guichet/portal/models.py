"""Customers' sign-in links and portal sessions.

Customers are contacts of one brand (guichet.contacts), never Users: a portal session is
its own row and its own cookie, and nothing here reaches django.contrib.auth, so a
customer's session can never grant staff access (docs/portal.md).

Only SHA-256 digests of the random secrets are stored (research S16: tokens are random,
stored hashed, never derived from SECRET_KEY); a stolen database gives no working link
and no session.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guichet.lib.scoping import BrandScopedManager


class SignInLink(models.Model):
    """A link emailed to a customer's address: it signs them in once, within minutes, at
    the brand it was made for, as long as the address is still theirs."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="signin_links"
    )
    address = models.EmailField(_("sent to"), max_length=254)
    token_hash = models.CharField(max_length=64, unique=True)
    # Where to go once signed in: a path made by Guichet (a ticket's page), never the
    # visitor's input.
    next_path = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")
        indexes = [
            models.Index(
                fields=["contact"],
                name="signin_link_unused",
                condition=Q(used_at__isnull=True, revoked_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.address} {self.created_at:%Y-%m-%d %H:%M}"


class PortalSession(models.Model):
    """A customer signed in at one brand, in one browser (the cookie holds the secret)."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="portal_sessions"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    link = models.ForeignKey(SignInLink, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("signed in"))
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("signed out"), null=True, blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("portal session")
        verbose_name_plural = _("portal sessions")

    def __str__(self) -> str:
        return f"{self.contact_id} {self.created_at:%Y-%m-%d %H:%M}"
