"""What the tests compare: the read model as plain values, without row ids."""

from __future__ import annotations

from typing import Any

from guichet.reports.models import ChatFact, DeadlineFact, LevelFact, Tally, TicketFact


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    for model in (TicketFact, LevelFact, DeadlineFact, Tally, ChatFact):
        names = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        rows = model._base_manager.values_list(*names)
        out[model.__name__] = sorted(rows, key=repr)
    return out
