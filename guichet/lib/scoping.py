"""Brand isolation: every brand-owned model refuses to query outside a brand scope.

Requests enter a scope in BrandScopeMiddleware; workers and commands enter one from a
brand id with `brand_scope`. Code that legitimately spans brands (migrations, the
loader of presets, superusers) says so with `all_brands()`, which is easy to grep for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models
from django_scopes import ScopedManager, scope, scopes_disabled


def BrandScopedManager(manager_class: type[models.Manager] = models.Manager) -> Any:
    """Default manager for brand-owned models: queries need an active brand scope.
    (Named like a class because it reads as one where a model declares `objects`.)"""
    return ScopedManager(_manager_class=manager_class, brand="brand")


def _id(brand: Any) -> int:
    return brand if isinstance(brand, int) else brand.pk


@contextmanager
def brand_scope(brand: models.Model | int | Iterable[models.Model | int]) -> Iterator[None]:
    """Enter the scope of one brand (or a list of brands) for the duration of the block."""
    if isinstance(brand, (models.Model, int)):
        value: int | list[int] = _id(brand)
    else:
        value = [_id(b) for b in brand]
    with scope(brand=value):
        yield


@contextmanager
def all_brands() -> Iterator[None]:
    """Lift brand isolation. Only for code whose job spans brands; never in a request path
    that a brand-restricted person reaches."""
    with scopes_disabled():
        yield
