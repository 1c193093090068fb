"""Parsed policies, cached per published version (versions are immutable, and their ids
are never reused: SQLite tables use AUTOINCREMENT and PostgreSQL sequences only grow).
Tests that roll back transactions do reuse ids, so their set-up calls `forget_all`."""

from __future__ import annotations

import threading

from guichet.policies.loader import parse_policy
from guichet.policies.models import PolicyVersion
from guichet.policies.schema import Policy

_cache: dict[int, Policy] = {}
_lock = threading.Lock()


def policy_version(version_id: int, source: str) -> Policy:
    """The policy of a published version, parsed once per process (`source` names it in
    the errors of a text that no longer parses)."""
    policy = _cache.get(version_id)
    if policy is None:
        text = PolicyVersion._base_manager.values_list("text", flat=True).get(pk=version_id)
        policy = parse_policy(text, source, published=True)
        with _lock:
            _cache[version_id] = policy
    return policy


def forget_all() -> None:
    with _lock:
        _cache.clear()
