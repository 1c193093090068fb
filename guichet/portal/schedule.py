"""Opening hours and channels as the public reads them, from the brand's policy."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from guichet.policies.schema import WEEKDAYS, Policy, WeekHours

DAY_NAMES = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}
CHANNEL_NAMES = {
    "email": _("Email"),
    "web": _("Contact form"),
    "chat": _("Live chat"),
    "phone": _("Phone"),
    "social": _("Social networks"),
    "sms": _("SMS"),
    "push": _("Notifications"),
    "letter": _("Post"),
    "faq": _("Help centre"),
    "api": _("API"),
}


def week_of(hours: WeekHours) -> list[dict[str, Any]]:
    """One row per weekday: its name and its opening intervals ("" when closed)."""
    return [
        {"day": DAY_NAMES[day], "intervals": [str(i) for i in getattr(hours, day)]}
        for day in WEEKDAYS
    ]


def channels_of(policy: Policy, language: str) -> list[dict[str, Any]]:
    """The channels the public may use (not the ones the policy marks private)."""
    rows = []
    for channel in policy.channels:
        if not channel.public or channel.kind == "api":
            continue
        rows.append(
            {
                "kind": channel.kind,
                "name": policy.text(channel.label, language) or CHANNEL_NAMES[channel.kind],
                "address": channel.address,
                "phone": channel.phone,
                "url": channel.url if channel.url.startswith(("https://", "http://")) else "",
                "postal_address": channel.postal_address,
                "networks": channel.networks,
                "answer_within": str(channel.answer_within) if channel.answer_within else "",
                "respond_within": str(channel.respond_within) if channel.respond_within else "",
                "week": week_of(channel.hours) if channel.hours else None,
            }
        )
    return rows
