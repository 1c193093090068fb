"""API keys (per brand, random, shown once, stored as a hash, scoped, revocable) and the
responses kept for `Idempotency-Key` retries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import STAFF_ROLES, Role
from guichet.lib.scoping import BrandScopedManager


class Scope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Write")
    INBOUND = "inbound", _("Deliver inbound email")


# Requests per minute a key may make unless its own limit says otherwise.
DEFAULT_RATE_PER_MINUTE = 600


class ApiKey(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100)
    # The key is "gch_<prefix>_<secret>"; the prefix finds the row, the secret's hash proves it.
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(_("scopes"), default=list)
    # What the key may do in its brand, as a member with this role may (docs/api.md): the
    # permission resolver answers for the key exactly as for such a person.
    role = models.CharField(
        _("role"),
        max_length=20,
        choices=[(r.value, r.label) for r in STAFF_ROLES],
        default=Role.AGENT,
    )
    # The key's own user: the author of its replies and the actor of its events (timeline:
    # "Boutique (API)"). It has no password and no membership, so it cannot sign in.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_key",
    )
    rate_per_minute = models.PositiveIntegerField(
        _("requests per minute"), default=DEFAULT_RATE_PER_MINUTE
    )
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


class IdempotentRequest(models.Model):
    """A create made with an `Idempotency-Key`: the same key from the same caller gets the
    stored response again instead of a second object. Written in the transaction of the
    create, so a retry racing the first call waits for it and then finds this row."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    # The caller: the API key's user, or the signed-in person.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    operation = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField()

    objects = BrandScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "user", "key"], name="idempotent_request_unique"
            )
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotent_request_created")]

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"


# --- outbound webhooks (guichet.api.webhooks) ----------------------------------------------------


class WebhookEndpoint(models.Model):
    """A URL of a brand's own systems that is told of the events it subscribes to, signed
    with its secret. The URL is checked when saved and again at every send (no private,
    loopback, link-local… address unless `GUICHET_WEBHOOK_ALLOW_HOSTS` lists it)."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Webhook event types ("ticket.created"…, `guichet.api.events.EventType`).
    events = models.JSONField(_("events"), default=list)
    # The signing secret, encrypted with guichet.lib.crypto; shown once, at creation.
    sealed_secret = models.TextField(editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["brand", "pk"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event sent to one endpoint: the body is fixed when the event is committed, so
    every attempt (and a replay) sends the same bytes; each attempt is a WebhookAttempt."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # The public id, sent as `Guichet-Delivery`.
    uid = models.UUIDField(_("delivery id"), unique=True, editable=False)
    event = models.ForeignKey(
        "tickets.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event_type = models.CharField(_("event"), max_length=50)
    body = models.TextField()
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When a pending delivery is next tried (also the lease of a worker trying it).
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(
        _("last status code"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"))
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    replay_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replays",
        verbose_name=_("replay of"),
    )

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint"),
            # The hourly purge of old deliveries (guichet.api.retention).
            models.Index(fields=["created_at"], name="webhook_delivery_created"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.uid})"


class WebhookAttempt(models.Model):
    """The delivery log: one row per attempt, with what the receiver answered."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    at = models.DateTimeField(_("at"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response_excerpt = models.TextField(_("response (excerpt)"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    error = models.TextField(_("error"), blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"#{self.number} {self.status_code or self.error}"
