"""People who sign in, and the role each holds in each brand."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Every role of docs/requirements.md PL-2. Customers and sellers are contacts and sellers,
    not memberships; staff roles are held per brand through Membership."""

    CUSTOMER = "customer", _("Customer")
    SELLER = "seller", _("Seller")
    AGENT = "agent", _("Agent")
    TEAM_LEAD = "team_lead", _("Team lead")
    INVESTIGATOR = "investigator", _("Level-2 investigator")
    DIRECTOR = "director", _("Director")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = [
    Role.AGENT,
    Role.TEAM_LEAD,
    Role.INVESTIGATOR,
    Role.DIRECTOR,
    Role.MANAGER,
    Role.ADMIN,
]


class NotificationEmail(models.TextChoices):
    """How a member of the staff wants their notifications by email (threats are always
    emailed at once, whatever they choose)."""

    IMMEDIATELY = "immediately", _("Immediately")
    DAILY = "daily", _("Once a day, in a digest")
    OFF = "off", _("Never")


class User(AbstractUser):
    language = models.CharField(
        _("language"), max_length=8, default="fr", choices=[("fr", "Français"), ("en", "English")]
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    notification_email = models.CharField(
        _("notifications by email"),
        max_length=12,
        choices=NotificationEmail.choices,
        default=NotificationEmail.IMMEDIATELY,
    )
    # The hour of the daily digest, in the person's time zone (else their brand's).
    digest_hour = models.PositiveSmallIntegerField(
        _("hour of the daily digest"),
        default=8,
        validators=[MinValueValidator(0), MaxValueValidator(23)],
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Membership(models.Model):
    """A staff member's role in one brand, and the teams they belong to there.

    Not brand-scoped: the scope of a request is computed from these rows."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(
        _("role"), max_length=20, choices=[(r.value, r.label) for r in STAFF_ROLES]
    )
    teams = models.ManyToManyField("brands.Team", blank=True, related_name="members")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "brand"], name="membership_one_role_per_brand")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.brand} · {self.get_role_display()}"


class Absence(models.Model):
    """A staff member away (holiday, illness). While it lasts their open tickets go to
    colleagues, and tickets whose deadline cannot be met get a delay letter."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="absences")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    applied_at = models.DateTimeField(_("tickets handed over"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="absence_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d} → {self.ends_at:%Y-%m-%d}"
