"""The policy simulator (docs/requirements.md PL-5): run a policy against a period of made-up
traffic before it goes live, and see which promises it keeps.

`simulate(policy, days=…, per_day=…, seed=…)` is a discrete-event simulation in memory (no
database, no clock): a heap of (moment, sequence, ticket, what) with one moving clock.
Every deadline comes from the live system's `Engine.plan` — after each change to a ticket
the simulator asks the engine for the plan and keeps per-deadline rows in step with it,
the way `sla.services.deadlines_refresh` keeps Deadline rows; when a planned moment comes
it does what `sla.watcher` does (warn, record a breach, escalate by time, send the delay
letter and move the protected deadline by `Engine.extended_due`). Nothing about a
deadline is computed here. `format_report(result)` prints the outcome as a plain table.

The same policy, options and seed give the same result, byte for byte: one
`random.Random(seed)`, a fixed start (default Monday 2026-01-05, 00:00 in the brand's time
zone), ties in the heap broken by a sequence number, nothing iterated in hash order.

One module per concern:
- `model`: what the model assumes of traffic and handling, and the figures;
- `traffic`: the made-up arrivals and the script drawn for each ticket;
- `simulation`: the event loop, the engine's plan kept in step, the watcher's actions;
- `results`: what a run found; `report`: the plain-text report of it.
"""

from guichet.sla.simulator.model import CHANNEL_WEIGHTS
from guichet.sla.simulator.report import format_report
from guichet.sla.simulator.results import GroupStats, Result
from guichet.sla.simulator.simulation import DEFAULT_START, simulate

__all__ = ["CHANNEL_WEIGHTS", "DEFAULT_START", "GroupStats", "Result", "format_report", "simulate"]
