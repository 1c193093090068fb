"""What a simulation found: counts of the traffic, each deadline rule's figures per level,
escalations and letters, the sellers' answers and strikes, the returns (read by
`report.format_report`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime


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
class SellerStats:
    """One seller of the simulated pool: the disputes that asked it, its answers before
    and after its deadline, its strikes (each a missed deadline), when it was restricted."""

    number: int
    asked: int = 0
    on_time: int = 0
    late: int = 0
    strikes: int = 0
    restricted_at: datetime | None = None

    @property
    def unanswered(self) -> int:
        """Asked, and no answer before the ticket closed or the simulation ended."""
        return self.asked - self.on_time - self.late


@dataclass
class Returns:
    """Return requests where an item comes back: sent back, refunded, never sent back."""

    requests: int = 0
    returned: int = 0
    refunded: int = 0
    never_sent: int = 0


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
    # The marketplace's sellers ([marketplace]; empty without one) and its rule.
    sellers: list[SellerStats] = field(default_factory=list)
    strikes_before_restriction: int = 0
    strikes_within: str = ""  # the window strikes are counted in ("" for ever)
    # Returns ([returns]; None without one) and its rule, as the policy file writes it.
    returns: Returns | None = None
    returns_rule: str = ""

    @property
    def still_open(self) -> int:
        return self.tickets - self.closed

    def group(self, kind: str, level: int = 0) -> list[GroupStats]:
        return [g for g in self.groups if g.kind == kind and g.level == level]
