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


class SurveyLink(models.Model):
    """The satisfaction survey of one closing of a ticket (docs/requirements.md CL-1): emailed
    `send_at` (the policy's `[survey] send_after` after the closing), it lets whoever holds
    it answer once, without signing in, until it expires; after a "not satisfied" answer,
    the same browser may then take the request further once (next level or reopening)."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="survey_links"
    )
    # Set when the email is written (the secret is made then); null until.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    send_at = models.DateTimeField(_("to send at"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("followed up"), null=True, blank=True)
    # Not sent and never to be (the ticket was reopened first, a later closing has its own).
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("survey link")
        verbose_name_plural = _("survey links")
        indexes = [
            models.Index(
                fields=["send_at"],
                name="survey_link_to_send",
                condition=Q(sent_at__isnull=True, cancelled_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.created_at:%Y-%m-%d %H:%M}"


class SurveyAnswer(models.Model):
    """A customer's answer to a satisfaction survey: a score on the policy's scale (kept
    with it) and an optional comment, at the level the ticket was closed."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="survey_answers"
    )
    link = models.OneToOneField(
        SurveyLink, null=True, on_delete=models.SET_NULL, related_name="answer"
    )
    score = models.PositiveSmallIntegerField(_("score"))
    scale = models.PositiveSmallIntegerField(_("out of"))
    comment = models.TextField(_("comment"), blank=True)
    level = models.PositiveSmallIntegerField(_("level"))
    answered_at = models.DateTimeField(_("answered"))

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=models.F("scale")),
                name="survey_answer_score_in_scale",
            )
        ]

    def __str__(self) -> str:
        return f"{self.score}/{self.scale}"
