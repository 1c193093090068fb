"""Parsed policies, cached per published version (versions are immutable, and their ids
are never reused: SQLite tables use AUTOINCREMENT and PostgreSQL sequences only grow).
Tests that roll back transactions do reuse ids, so their set-up calls `forget_all`."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from guichet.policies.loader import parse_policy
from guichet.policies.schema import Policy

if TYPE_CHECKING:
    from guichet.brands.models import Brand

_cache: dict[int, Policy] = {}
_lock = threading.Lock()


def policy_for(brand: Brand) -> Policy:
    if brand.policy_id is None:
        raise LookupError(f"brand {brand.slug!r} has no policy in force")
    policy = _cache.get(brand.policy_id)
    if policy is None:
        from guichet.policies.models import PolicyVersion

        text = PolicyVersion._base_manager.values_list("text", flat=True).get(pk=brand.policy_id)
        policy = parse_policy(text, f"{brand.slug} v{brand.policy_id}")
        with _lock:
            _cache[brand.policy_id] = policy
    return policy


def forget_all() -> None:
    with _lock:
        _cache.clear()
