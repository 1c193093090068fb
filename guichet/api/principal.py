"""Who is calling, once authenticated (`auth`): an API key's user with the key's role in the
key's brand, or a signed-in member of the staff. Every endpoint asks the `Principal` what
the call may see and do, and which brand a creation is for."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from guichet.accounts.permissions import (
    Action,
    StaffAccess,
    act_as,
    brand_ids,
    can,
    is_unrestricted,
    staff_access,
)
from guichet.api.errors import ApiError
from guichet.api.keys import has_scope
from guichet.api.models import ApiKey, Scope
from guichet.brands.models import Brand
from guichet.lib.scoping import all_brands, brand_scope


@dataclass
class Principal:
    user: Any
    key: ApiKey | None = None

    @property
    def brand_ids(self) -> list[int]:
        if self.key is not None:
            return [self.key.brand_id]
        return brand_ids(self.user)

    @property
    def unrestricted(self) -> bool:
        return self.key is None and is_unrestricted(self.user)

    @contextmanager
    def scope(self) -> Iterator[None]:
        """The call's brand scope: the key's brand, or the person's brands."""
        with all_brands() if self.unrestricted else brand_scope(self.brand_ids):
            yield

    def access(self) -> StaffAccess:
        """What the caller may reach: the person's brands, or the key's brand with the
        key's role."""
        if self.key is None:
            return staff_access(self.user)
        return StaffAccess(self.user, [self.key.brand], {self.key.brand_id: self.key.role}, [])

    def can(self, action: Action, brand: Brand, level: int | None = None) -> bool:
        if self.key is not None and brand.pk != self.key.brand_id:
            return False
        return can(self.user, action, brand=brand, level=level)

    def brand_for(self, slug: str | None) -> Brand:
        """The brand a call that makes something is for: the key's, or one of the
        person's (named by its slug when they have several). Another brand's slug is "not
        found", as a slug that does not exist."""
        if self.key is not None:
            if slug and slug != self.key.brand.slug:
                raise ApiError(404, "not_found", _("Not found."))
            return self.key.brand
        brands = self.access().brands
        if slug:
            found = next((b for b in brands if b.slug == slug), None)
            if found is None:
                raise ApiError(404, "not_found", _("Not found."))
            return found
        if len(brands) != 1:
            raise ApiError(422, "brand", _("Say which brand (“brand”: its slug)."))
        return brands[0]

    def require_write(self) -> None:
        """A read-only key may look, never change (403, before anything else is read)."""
        if self.key is not None and not has_scope(self.key, Scope.WRITE):
            raise ApiError(
                403, "read_only_key", _("This API key may only read: a write key is needed.")
            )

    def require_read(self) -> None:
        if self.key is not None and not (
            has_scope(self.key, Scope.READ) or has_scope(self.key, Scope.WRITE)
        ):
            raise ApiError(403, "scope", _("This API key may not read tickets."))


def key_principal(key: ApiKey) -> Principal:
    """The key acting as its user with the key's role in the key's brand, and nothing else.

    `permissions.act_as` gives the user object the key's role for the length of the
    request; the key's user has no membership, so should those roles be dropped
    (`permissions.forget`), it has no role at all: the failure is closed."""
    user: Any = key.user
    act_as(user, {key.brand_id: key.role} if key.brand.is_active else {})
    return Principal(user=user, key=key)


def principal(request: HttpRequest) -> Principal:
    found = getattr(request, "auth", None)
    if not isinstance(found, Principal):  # pragma: no cover - every route has auth
        raise ApiError(401, "unauthenticated", _("Authentication is required."))
    return found
