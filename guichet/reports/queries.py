"""Reads of reports that are not figures: the record of exports."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from guichet.reports.models import ReportExport


def exports_of(brand_ids: Iterable[int]) -> QuerySet[ReportExport]:
    """The exports made of these brands' reports, the latest first (call inside a scope
    holding them)."""
    return (
        ReportExport.objects.filter(brand_id__in=list(brand_ids))
        .select_related("user", "brand")
        .order_by("-at", "-pk")
    )
