"""The desk's own writes: the views an agent saves. A saved view is the person's preference,
not part of a ticket's story: no event is recorded. Tickets are written by
`tickets.services` only.

Each service checks, then writes: the person may only touch their own views, and a view
only holds filters that can narrow a list for them today (`queries.FilterChoices`), so
nothing of a brand out of their reach is ever stored in one."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from guichet.accounts.permissions import StaffAccess
from guichet.desk.models import SavedView
from guichet.desk.queries import SORTS, FilterChoices, typed_filter, views_for
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest

# A person's saved views, at most (the list of views stays a list one reads at a glance).
MAX_SAVED_VIEWS = 30
NAME_LENGTH = 60


def saved_view_create(
    *, desk: StaffAccess, name: str, base: str, filters: dict[str, Any], sort: str = ""
) -> SavedView:
    """Save `base` (an inbox view's key) narrowed by `filters` and sorted by `sort` as a
    view of the person's, under `name`. Refused: a name empty, too long or already one of
    theirs; a view they do not have; a filter that cannot narrow a list for them (another
    brand's team, a seller out of reach…); more than `MAX_SAVED_VIEWS`."""
    name = _checked_name(name)
    if base not in {view.key for view in views_for(desk)}:
        raise InvalidRequest(_("This view does not exist."), code="base")
    choices = FilterChoices(desk).for_view(base)
    kept: dict[str, str] = {}
    for key, value in filters.items():
        if value in (None, ""):
            continue
        typed = typed_filter(choices, key, value)
        if typed is None:
            raise InvalidRequest(_("This filter cannot be saved."), code="filters")
        kept[key] = typed.isoformat() if hasattr(typed, "isoformat") else str(typed)
    if sort and sort not in SORTS:
        raise InvalidRequest(_("This order does not exist."), code="sort")
    if SavedView.objects.filter(user=desk.user).count() >= MAX_SAVED_VIEWS:
        raise InvalidRequest(
            _("You have %(n)d saved views already: delete one first."),
            code="too_many",
            n=MAX_SAVED_VIEWS,
        )
    brand = int(kept["brand"]) if "brand" in kept else None
    if brand is None and len(desk.brands) == 1:
        brand = desk.brands[0].pk
    now = clock.now()
    try:
        with transaction.atomic():
            return SavedView.objects.create(
                user=desk.user,
                brand_id=brand,
                name=name,
                base=base,
                filters=kept,
                sort="" if sort == "due" else sort,
                created_at=now,
                updated_at=now,
            )
    except IntegrityError:
        raise _taken() from None


def saved_view_rename(*, desk: StaffAccess, view: SavedView, name: str) -> SavedView:
    """Give one of the person's views another name (not one of their other views')."""
    _require_own(desk, view)
    view.name = _checked_name(name)
    view.updated_at = clock.now()
    try:
        with transaction.atomic():
            view.save(update_fields=["name", "updated_at"])
    except IntegrityError:
        raise _taken() from None
    return view


def saved_view_delete(*, desk: StaffAccess, view: SavedView) -> None:
    """Delete one of the person's views."""
    _require_own(desk, view)
    view.delete()


def _require_own(desk: StaffAccess, view: SavedView) -> None:
    # Another person's view is "not found", as the pages answer for it.
    if view.user_id != desk.user.pk:
        raise InvalidRequest(_("Not found."), code="not_found")


def _checked_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidRequest(_("Give the view a name."), code="name")
    if len(name) > NAME_LENGTH:
        raise InvalidRequest(
            _("A view's name has at most %(n)d characters."), code="name", n=NAME_LENGTH
        )
    return name


def _taken() -> InvalidRequest:
    return InvalidRequest(_("You already have a view of this name."), code="name")
