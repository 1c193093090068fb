"""What a simulation found: counts of the traffic, each deadline rule's figures per level,
escalations and letters (read by `report.format_report`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date


@dataclass
class GroupStats:
    """The deadlines one policy rule set at one level."""

    kind: str
    level: int
    rule: str
    count: int = 0
    on_time: int = 0
    late: int = 0
    breached: int = 0
    warnings: int = 0
    cancelled: int = 0
    still_open: int = 0
    hours: list[float] = field(default_factory=list)
    clock_hours: list[float] = field(default_factory=list)

    @property
    def share_met(self) -> float | None:
        decided = self.on_time + self.breached
        return self.on_time / decided if decided else None


@dataclass
class Result:
    brand: str
    brand_name: str
    version: str
    timezone: str
    start: date
    days: int
    per_day: int
    seed: int
    tickets: int = 0
    closed: int = 0
    by_contact_type: Counter[str] = field(default_factory=Counter)
    by_channel: Counter[str] = field(default_factory=Counter)
    by_complexity: Counter[str] = field(default_factory=Counter)
    groups: list[GroupStats] = field(default_factory=list)
    # (level, trigger) -> count
    escalations: Counter[tuple[int, str]] = field(default_factory=Counter)
    letters: Counter[str] = field(default_factory=Counter)
    level_keys: list[str] = field(default_factory=list)
    rule_labels: dict[str, str] = field(default_factory=dict)

    @property
    def still_open(self) -> int:
        return self.tickets - self.closed

    def group(self, kind: str, level: int = 0) -> list[GroupStats]:
        return [g for g in self.groups if g.kind == kind and g.level == level]
