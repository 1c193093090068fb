"""Dates in the viewer's time zone: theirs if they set one, else their first brand's."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from guichet.accounts.permissions import brand_ids
from guichet.brands.models import cached_brand


def viewer_zone(user: object) -> ZoneInfo | None:
    if not getattr(user, "is_authenticated", False):
        return None
    name = getattr(user, "time_zone", "") or ""
    if not name:
        ids = brand_ids(user)
        name = cached_brand(ids[0]).timezone if ids else ""
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


class ViewerTimezoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = viewer_zone(request.user)
        if zone is None:
            return self.get_response(request)
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
