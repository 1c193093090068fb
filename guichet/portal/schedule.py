"""Opening hours and channels as the public reads them, from the brand's policy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from guichet.lib.phones import spaced
from guichet.policies.durations import Duration
from guichet.policies.schema import WEEKDAYS, Channel, Policy, WeekHours

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


def spoken(duration: Duration) -> str:
    """A policy's duration as a sentence says it: "30 seconds", "1 day 12 hours"."""
    hours, rest = divmod(duration.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = []
    if duration.days:
        parts.append(ngettext("%(n)d day", "%(n)d days", duration.days) % {"n": duration.days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if minutes:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    if seconds or not parts:
        parts.append(ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds})
    return " ".join(parts)


def week_of(hours: WeekHours) -> list[dict[str, Any]]:
    """One row per weekday: its name and its opening intervals ("" when closed)."""
    return [
        {
            "day": DAY_NAMES[day],
            "intervals": [str(i).replace("-", "–") for i in getattr(hours, day)],
        }
        for day in WEEKDAYS
    ]


# Social networks by their own names (proper nouns: the same in every language).
NETWORK_NAMES = {
    "facebook": "Facebook",
    "instagram": "Instagram",
    "twitter": "X (Twitter)",
    "x": "X",
    "linkedin": "LinkedIn",
    "youtube": "YouTube",
    "tiktok": "TikTok",
    "whatsapp": "WhatsApp",
}


def _reachable(channel: Channel, sms_numbers: Sequence[str] = ()) -> bool:
    """Whether the page can tell a customer how to use the channel: our contact form, or
    an address, a number, a link or networks to look for. A channel the policy names
    without any of them (a chat, SMS with no number) is not shown: a
    heading the reader can do nothing with. Notifications are ours to send, never a way
    to reach us; the API is for the brand's own systems."""
    if channel.kind in ("push", "api"):
        return False
    if channel.kind in ("web", "faq"):  # our contact form, our help centre
        return True
    if channel.kind == "sms":
        # Texting us needs a number Guichet receives: an active SMS account's.
        return bool(channel.phone or sms_numbers)
    return bool(
        channel.address
        or channel.phone
        or channel.url.startswith(("https://", "http://"))
        or channel.postal_address
        or channel.networks
    )


def channels_of(
    policy: Policy, language: str, sms_numbers: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """The channels the public may use and can reach (not the ones the policy marks
    private, nor those it gives no way to use), worded in `language`. `sms_numbers`: the
    numbers of the brand's active SMS accounts (an SMS channel without one is not shown;
    with one, its number is the one to text)."""
    rows = []
    for channel in policy.channels:
        if not channel.public or not _reachable(channel, sms_numbers):
            continue
        phone = channel.phone
        if channel.kind == "sms" and not phone:
            phone = spaced(sms_numbers[0])
        rows.append(
            {
                "kind": channel.kind,
                "name": policy.text(channel.label, language) or CHANNEL_NAMES[channel.kind],
                "address": channel.address,
                "phone": phone,
                "url": channel.url if channel.url.startswith(("https://", "http://")) else "",
                "postal_address": policy.text(channel.postal_address, language),
                "networks": [NETWORK_NAMES.get(n.lower(), n) for n in channel.networks],
                "answer_within": spoken(channel.answer_within) if channel.answer_within else "",
                "respond_within": spoken(channel.respond_within) if channel.respond_within else "",
                "week": week_of(channel.hours) if channel.hours else None,
            }
        )
    return rows
