"""The one permission resolver. The admin, the desk, the API and the services all ask it.

A person's power comes from their role in the ticket's brand (Membership). Deciding at a
level (outcome, closing a complaint) also needs a role the policy lists in that level's
`handled_by`, so a front-line agent cannot close a case that reached the director; an
export of reports, a role the policy lists in `[reports] export_roles`.
The matrix is documented in docs/roles.md; test_permissions.py holds it to that page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied

from guichet.accounts.models import Membership, Role, User
from guichet.brands.models import Brand
from guichet.lib import clock
from guichet.lib.scoping import all_brands


class Action(StrEnum):
    VIEW_TICKET = "view_ticket"
    REPLY = "reply"
    NOTE = "note"
    TAKE = "take"
    ASSIGN = "assign"
    CHANGE_FIELDS = "change_fields"
    ESCALATE = "escalate"
    DECIDE = "decide"  # set an outcome, close or reopen at the ticket's level
    VIEW_REPORTS = "view_reports"
    # What customers chose to say of themselves, in aggregate (RP-3): managers only.
    VIEW_EQUALITY = "view_equality"
    EXPORT_REPORTS = "export_reports"  # CSV, XLSX: only the roles of `[reports] export_roles`
    MANAGE_REPLIES = "manage_replies"  # the brand's canned replies
    MANAGE_LETTERS = "manage_letters"  # the wording of the brand's letters to customers
    BLOCK = "block"  # stop a contact's correspondence (the conduct policy's last step)
    LIFT_BLOCK = "lift_block"
    MERGE_CONTACTS = "merge_contacts"  # two records of one customer become one
    MANAGE_PEOPLE = "manage_people"
    MANAGE_POLICY = "manage_policy"
    VIEW_QUARANTINE = "view_quarantine"
    # The brand's SMS, social and telephony accounts: their secrets and webhooks.
    MANAGE_CHANNELS = "manage_channels"
    # Marketplace disputes (docs/marketplace.md) and money paid back (CL-2).
    CONTACT_SELLER = "contact_seller"  # write to the seller, share with it, release its details
    RECORD_PAYMENT = "record_payment"  # a refund or a credit, a return received
    MANAGE_SELLERS = "manage_sellers"  # withdraw a strike; restrict, reinstate, terminate
    # The help centre's articles: the roles of `[help_centre] writers` and `publishers`.
    WRITE_ARTICLES = "write_articles"
    PUBLISH_ARTICLES = "publish_articles"


_HANDLE = {
    Action.VIEW_TICKET,
    Action.REPLY,
    Action.NOTE,
    Action.TAKE,
    Action.CHANGE_FIELDS,
    Action.ESCALATE,
    Action.DECIDE,
    Action.CONTACT_SELLER,
    Action.RECORD_PAYMENT,
    # Of every staff role, those the policy's [help_centre] lists.
    Action.WRITE_ARTICLES,
    Action.PUBLISH_ARTICLES,
}
_LEAD = _HANDLE | {
    Action.ASSIGN,
    Action.VIEW_REPORTS,
    Action.EXPORT_REPORTS,
    Action.BLOCK,
    Action.MERGE_CONTACTS,
    Action.MANAGE_REPLIES,
}

ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.AGENT: frozenset(_HANDLE),
    Role.TEAM_LEAD: frozenset(_LEAD),
    Role.INVESTIGATOR: frozenset(_HANDLE),
    Role.DIRECTOR: frozenset(_LEAD | {Action.LIFT_BLOCK, Action.MANAGE_SELLERS}),
    Role.MANAGER: frozenset(
        _LEAD
        | {
            Action.LIFT_BLOCK,
            Action.MANAGE_PEOPLE,
            Action.MANAGE_LETTERS,
            Action.MANAGE_SELLERS,
            Action.VIEW_EQUALITY,
        }
    ),
    Role.ADMIN: frozenset(
        _LEAD
        | {
            Action.LIFT_BLOCK,
            Action.MANAGE_PEOPLE,
            Action.MANAGE_LETTERS,
            Action.MANAGE_POLICY,
            Action.VIEW_QUARANTINE,
            Action.MANAGE_CHANNELS,
            Action.MANAGE_SELLERS,
        }
    ),
}

# Roles that may decide at any level, whatever the policy's handled_by says.
_DECIDE_ANY_LEVEL = {Role.MANAGER, Role.ADMIN}


def _roles(user: Any) -> dict[int, str]:
    """brand id -> role, cached on the user object for the length of a request."""
    cached = getattr(user, "_guichet_roles", None)
    if cached is None:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            cached = {}
        else:
            cached = dict(
                Membership.objects.filter(
                    user=user, is_active=True, brand__is_active=True
                ).values_list("brand_id", "role")
            )
        user._guichet_roles = cached
    return cached


def act_as(user: Any, roles: dict[int, str]) -> None:
    """Give this user object exactly these roles (brand id -> role) for the rest of the
    request, instead of its memberships: an API key's user acts with the key's role in
    the key's brand only. `forget` drops them, after which the user has its memberships
    (an API key's user has none)."""
    user._guichet_roles = dict(roles)


def forget(user: Any) -> None:
    """Drop the cached roles (after a membership changes)."""
    if hasattr(user, "_guichet_roles"):
        del user._guichet_roles


def role_in(user: Any, brand: Brand | int) -> str | None:
    brand_id = brand if isinstance(brand, int) else brand.pk
    return _roles(user).get(brand_id)


def brand_ids(user: Any) -> list[int]:
    """Brands whose data this person may see (superusers: see `is_unrestricted`)."""
    return sorted(_roles(user))


def is_unrestricted(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def can(user: Any, action: Action, *, brand: Brand, level: int | None = None) -> bool:
    if is_unrestricted(user):
        return True
    role = role_in(user, brand)
    if role is None or action not in ROLE_ACTIONS.get(role, frozenset()):
        return False
    if action is Action.DECIDE and level is not None and role not in _DECIDE_ANY_LEVEL:
        policy = brand.get_policy()
        if 1 <= level <= len(policy.levels):
            return role in policy.level_at(level).handled_by
    if action is Action.EXPORT_REPORTS:
        # Of the roles that see the reports, those the brand's policy lists.
        return role in brand.get_policy().reports.export_roles
    if action is Action.WRITE_ARTICLES:
        return role in brand.get_policy().help_centre.writers
    if action is Action.PUBLISH_ARTICLES:
        return role in brand.get_policy().help_centre.publishers
    return True


def require(user: Any, action: Action, *, brand: Brand, level: int | None = None) -> None:
    if not can(user, action, brand=brand, level=level):
        raise PermissionDenied(action.value)


@dataclass
class StaffAccess:
    """What a member of the staff may reach, read once per request: the brands they hold a
    role in (with that role), the teams they belong to, and the moment they look (the
    inbox views measure deadlines from it). The desk and the API ask it; it asks `can`.
    An API key's access is the key's brand with the key's role."""

    user: User
    brands: list[Brand]
    roles: dict[int, str]
    teams: list[int]
    now: datetime = field(default_factory=clock.now)

    @property
    def brand_ids(self) -> list[int]:
        return [b.pk for b in self.brands]

    def brand(self, pk: int) -> Brand | None:
        return next((b for b in self.brands if b.pk == pk), None)

    def can(self, action: Action, brand: Brand | int, level: int | None = None) -> bool:
        target = brand if isinstance(brand, Brand) else self.brand(brand)
        return target is not None and can(self.user, action, brand=target, level=level)

    @property
    def is_admin(self) -> bool:
        return is_unrestricted(self.user) or Role.ADMIN in self.roles.values()


def staff_access(user: User) -> StaffAccess:
    """The access of a signed-in member of the staff: every active brand for a superuser,
    else the active brands of their active memberships, with their teams there."""
    if is_unrestricted(user):
        brands = list(Brand.objects.filter(is_active=True).order_by("name"))
        return StaffAccess(user, brands, {b.pk: Role.ADMIN for b in brands}, [])
    # The person's own memberships, across their brands (inside a request or not).
    with all_brands():
        memberships = list(
            Membership.objects.filter(user=user, is_active=True, brand__is_active=True)
            .select_related("brand")
            .prefetch_related("teams")
            .order_by("brand__name")
        )
    return StaffAccess(
        user,
        [m.brand for m in memberships],
        {m.brand_id: m.role for m in memberships},
        [team.pk for m in memberships for team in m.teams.all()],
    )
