"""How the ticket's history says a call and a callback (docs/telephony.md): one line each,
in the reader's language, from the codes and numbers the events keep (`desk.timeline`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from guichet.telephony.models import CallOutcome
from guichet.tickets.choices import Verb

CALL_VERBS = {Verb.CALL_LOGGED, Verb.CALLBACK_PLANNED, Verb.CALLBACK_DONE}


def seconds_text(value: Any) -> str:
    """ "45 s", "4 min 10 s", "6 min", "1 h 5 min"."""
    minutes, seconds = divmod(int(value), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    if minutes and not seconds:
        return _("%(m)s min") % {"m": minutes}
    if minutes:
        return _("%(m)s min %(s)s s") % {"m": minutes, "s": seconds}
    return _("%(s)s s") % {"s": seconds}


def _moment(value: Any) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")


def call_detail(verb: str, data: dict[str, Any]) -> str:
    """ "inbound · answered · waited 12 s · 4 min 10 s", "due 24/11/2026 09:00 · for the
    team", "reached after 2 attempts"."""
    parts: list[str] = []
    if verb == Verb.CALL_LOGGED:
        parts.append(_("inbound") if data.get("direction") == "in" else _("outbound"))
        outcome = data.get("outcome")
        if outcome in CallOutcome.values:
            parts.append(str(CallOutcome(outcome).label).lower())
        if isinstance(data.get("wait_s"), int):
            parts.append(_("waited %(time)s") % {"time": seconds_text(data["wait_s"])})
        if isinstance(data.get("duration_s"), int) and data.get("answered"):
            parts.append(seconds_text(data["duration_s"]))
    elif verb == Verb.CALLBACK_PLANNED:
        due = _moment(data.get("due_at"))
        if due:
            parts.append(_("due %(when)s") % {"when": due})
        if data.get("to") is None:
            parts.append(_("for the team"))
    elif verb == Verb.CALLBACK_DONE:
        parts.append(_("customer reached") if data.get("reached") else _("without a call"))
        attempts = data.get("attempts")
        if isinstance(attempts, int) and attempts > 1:
            parts.append(_("%(n)s calls") % {"n": attempts})
        if data.get("late"):
            parts.append(_("late"))
    return " · ".join(parts)
