"""Sellers of a marketplace brand and what binds them to the disputes that involve them
(docs/marketplace.md; docs/requirements.md MK-1 to MK-3).

A seller is a party to a ticket, not its customer: the agent writes to it on the customer's
behalf (its messages are the ticket's "seller side", `tickets.Message.seller`), it has its
own deadline (`seller_response`), and a seller that lets the deadline pass gets a strike.
At the policy's threshold it is restricted. Every change of its status is kept
(`SellerStatusChange`), every strike too, withdrawn or not; the release of its direct
contact details to a customer is logged (`ContactRelease`).

These models sit below the tickets (their services write them, `tickets.services.sellers`);
the references to tickets, messages and users are by name only.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guichet.lib.scoping import BrandScopedManager


class SellerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RESTRICTED = "restricted", _("Restricted")
    TERMINATED = "terminated", _("Terminated")


class Seller(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="sellers")
    name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    # Where Guichet writes to the seller; its replies may come from this address or from the
    # address of one of its people.
    email = models.EmailField(_("email address"), blank=True)
    phone = models.CharField(_("phone number"), max_length=32, blank=True)
    address = models.TextField(_("postal address"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=SellerStatus.choices, default=SellerStatus.ACTIVE
    )
    status_changed_at = models.DateTimeField(_("status since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("seller")
        verbose_name_plural = _("sellers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "name"], name="seller_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == SellerStatus.ACTIVE


class SellerPerson(models.Model):
    """Someone who may sign in to the seller portal and answer for the seller."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="people")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email address"))
    is_active = models.BooleanField(_("may sign in"), default=True)
    created_at = models.DateTimeField(_("created"))
    last_signed_in_at = models.DateTimeField(_("last signed in"), null=True, blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("seller's person")
        verbose_name_plural = _("seller's people")
        ordering = ["seller", "name"]
        constraints = [
            # An address answers for one seller of a brand: a reply by email is threaded to
            # the seller it belongs to, and to no other.
            models.UniqueConstraint(fields=["brand", "email"], name="seller_person_unique_email"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class SellerStatusChange(models.Model):
    """One change of a seller's status: restricted at the strikes' threshold, reinstated or
    terminated by a manager. The history is kept whole."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=12, choices=SellerStatus.choices)
    to_status = models.CharField(_("to"), max_length=12, choices=SellerStatus.choices)
    reason = models.TextField(_("reason"))
    # A manager's decision names them; the policy's (a threshold reached) names the strike.
    actor_user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    strike = models.ForeignKey(
        "Strike", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("when"))

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("seller's status change")
        verbose_name_plural = _("seller's status changes")
        ordering = ["seller", "-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.seller_id}: {self.from_status} → {self.to_status}"


class StrikeReason(models.TextChoices):
    NO_ANSWER = "no_answer", _("No answer by the deadline")
    REFUSED = "refused", _("Refused to cooperate")


class Strike(models.Model):
    """A seller's failure to cooperate on one ticket. A withdrawn strike is kept, with who
    withdrew it and why, and no longer counts."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="strike_set")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="strikes")
    reason = models.CharField(_("reason"), max_length=20, choices=StrikeReason.choices)
    note = models.TextField(_("note"), blank=True)
    # The seller's deadline it was missed (for a strike at a breach).
    due_at = models.DateTimeField(_("deadline missed"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("when"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawal_reason = models.TextField(_("why it was withdrawn"), blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("strike")
        verbose_name_plural = _("strikes")
        ordering = ["seller", "-at", "-pk"]
        indexes = [models.Index(fields=["seller", "at"], name="strike_seller_at")]
        constraints = [
            # One strike per missed deadline: the watcher may see the breach twice.
            models.UniqueConstraint(
                fields=["ticket", "due_at"],
                condition=Q(due_at__isnull=False),
                name="strike_one_per_deadline",
            )
        ]

    def __str__(self) -> str:
        return f"{self.seller_id} {self.reason} {self.at:%Y-%m-%d}"

    @property
    def counts(self) -> bool:
        return self.withdrawn_at is None


def counting_strikes(seller: Seller, *, since: datetime | None = None) -> models.QuerySet[Strike]:
    """The strikes that count against a seller: not withdrawn, within the window if any."""
    found = Strike.objects.filter(seller=seller, withdrawn_at__isnull=True)
    if since is not None:
        found = found.filter(at__gte=since)
    return found


class ProposalKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    REPLACEMENT = "replacement", _("Replacement")
    REPAIR = "repair", _("Repair")
    REFUSAL = "refusal", _("Refusal")


class Proposal(models.Model):
    """The resolution a seller proposes on a ticket, with its answer."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="seller_proposals"
    )
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="proposals")
    message = models.OneToOneField(
        "tickets.Message", on_delete=models.CASCADE, related_name="proposal"
    )
    kind = models.CharField(_("resolution"), max_length=12, choices=ProposalKind.choices)
    # A refusal's reason is required; the other kinds may say more.
    reason = models.TextField(_("reason"), blank=True)
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    at = models.DateTimeField(_("when"))

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("seller's proposal")
        verbose_name_plural = _("seller's proposals")
        ordering = ["ticket", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class ReleaseStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    RELEASED = "released", _("Released")
    REFUSED = "refused", _("Refused")


class ContactRelease(models.Model):
    """A customer's request for a seller's direct contact details, and what became of it:
    who asked, who released (or refused, and why), what was given, when (MK-3)."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="contact_releases"
    )
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="releases")
    status = models.CharField(
        _("status"), max_length=12, choices=ReleaseStatus.choices, default=ReleaseStatus.REQUESTED
    )
    # The customer asked in person (the portal) or an agent asked for them (by phone…).
    requested_by_contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"))
    # An agent, or the policy ("policy") when it allows the release as soon as it is asked.
    decided_by_user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_label = models.CharField(max_length=40, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # What the letter gave: {"name": …, "legal_name": …, "email": …, "phone": …, "address": …}.
    details = models.JSONField(_("details given"), default=dict, blank=True)
    refusal_reason = models.TextField(_("why it was refused"), blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("release of a seller's contact details")
        verbose_name_plural = _("releases of sellers' contact details")
        ordering = ["ticket", "requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "seller"],
                condition=Q(status="requested"),
                name="release_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.seller_id} {self.status}"


class SellerSignInLink(models.Model):
    """A single-use link that signs someone in to the seller portal for one seller: a
    person of the seller (`person`), or whoever reads the seller's own address (`person`
    empty: the link in the email that asks the seller about a dispute). Only the SHA-256
    digest of its secret is stored (like the customers' links, docs/portal.md)."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="signin_links")
    person = models.ForeignKey(
        SellerPerson, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    address = models.EmailField(_("sent to"), max_length=254)
    token_hash = models.CharField(max_length=64, unique=True)
    # Where to go once signed in: a path made by Guichet (a dispute's page).
    next_path = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("seller's sign-in link")
        verbose_name_plural = _("sellers' sign-in links")

    def __str__(self) -> str:
        return f"{self.address} {self.created_at:%Y-%m-%d %H:%M}"


class SellerSession(models.Model):
    """Someone signed in to the seller portal for one seller, in one browser."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="sessions")
    person = models.ForeignKey(
        SellerPerson, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("signed in"))
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("signed out"), null=True, blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("seller portal session")
        verbose_name_plural = _("seller portal sessions")

    def __str__(self) -> str:
        return f"{self.seller_id} {self.created_at:%Y-%m-%d %H:%M}"
