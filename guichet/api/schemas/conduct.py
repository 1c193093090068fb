"""The conduct procedure's resources (docs/conduct.md): abuse flags and their decisions,
the customer's block, referrals, and the team member a complaint is about."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from guichet.api.schemas import SEVERITY_NAMES, Out, PersonRef, TicketOut, _person
from guichet.conduct.models import AbuseFlag, Referral
from guichet.contacts.models import ContactBlock

SeverityName = Literal["insult", "harassment", "discrimination", "threat"]


class HitOut(Out):
    part: str  # text or subject (of the message)
    term: str  # the lexicon's entry, or the policy's extra term
    found: str  # as written
    start: int  # offsets in the message's text (or subject)
    end: int
    severity: str
    extra: bool  # a term of the brand's policy


class AbuseFlagOut(Out):
    id: int
    ticket: str
    message: int | None
    source: str  # detection or staff
    severity: str
    hits: list[HitOut]
    reason: str
    created_at: datetime
    created_by: PersonRef | None
    decision: str  # "", confirmed or dismissed
    decided_at: datetime | None
    decided_by: PersonRef | None
    decision_note: str


class FlagIn(Schema):
    reason: str = Field(..., max_length=2000)
    severity: SeverityName = "insult"
    message: int | None = Field(None, description="the customer's message it is about")


class DecisionIn(Schema):
    note: str = Field("", max_length=2000)


class BlockOut(Out):
    id: int
    contact: int
    ticket: str | None
    blocked_at: datetime
    blocked_by: PersonRef | None
    reason: str
    lifted_at: datetime | None
    lifted_by: PersonRef | None
    lift_reason: str


class StepOut(Out):
    """What a confirmation led to: a warning letter (its number) or the block."""

    ticket: TicketOut
    flag: AbuseFlagOut
    warning: int | None
    block: BlockOut | None


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


class ReferralIn(Schema):
    authority: Literal["police", "lawyer", "platform", "other"]
    note: str = Field(..., max_length=5000)


class ReferralOut(Out):
    id: int
    contact: int
    ticket: str | None
    authority: str
    note: str
    referred_at: datetime
    referred_by: PersonRef | None


class ConcernedAgentIn(Schema):
    agent: int | None = Field(None, description="the staff member; null: not known")
    name: str = Field("", max_length=200, description="as the customer named them")


def flag_out(flag: AbuseFlag) -> dict[str, Any]:
    """(Load `ticket`, `created_by` and `decided_by` with the flags.)"""
    return {
        "id": flag.pk,
        "ticket": flag.ticket.reference,
        "message": flag.message_id,
        "source": flag.source,
        "severity": SEVERITY_NAMES[flag.severity],
        "hits": [
            {
                **{key: hit.get(key) for key in ("part", "term", "found", "start", "end")},
                "severity": SEVERITY_NAMES.get(hit.get("severity", 1), "insult"),
                "extra": bool(hit.get("extra")),
            }
            for hit in flag.hits
        ],
        "reason": flag.reason,
        "created_at": flag.created_at,
        "created_by": _person(flag.created_by),
        "decision": flag.decision,
        "decided_at": flag.decided_at,
        "decided_by": _person(flag.decided_by),
        "decision_note": flag.decision_note,
    }


FLAG_SELECT = ["ticket", "created_by", "decided_by"]


def block_out(block: ContactBlock, reference: str | None) -> dict[str, Any]:
    return {
        "id": block.pk,
        "contact": block.contact_id,
        "ticket": reference,
        "blocked_at": block.blocked_at,
        "blocked_by": _person(block.blocked_by),
        "reason": block.reason,
        "lifted_at": block.lifted_at,
        "lifted_by": _person(block.lifted_by),
        "lift_reason": block.lift_reason,
    }


def referral_out(referral: Referral, reference: str | None) -> dict[str, Any]:
    return {
        "id": referral.pk,
        "contact": referral.contact_id,
        "ticket": reference,
        "authority": referral.authority,
        "note": referral.note,
        "referred_at": referral.referred_at,
        "referred_by": _person(referral.referred_by),
    }
