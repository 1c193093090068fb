"""Equality monitoring (RP-3, docs/reports.md): `/desk/reports/equality/`, for managers
only (`view_equality`). Per question of the brand's policy, how many of the customers who
chose to answer gave each answer, over the months picked (the last 12 by default) — in
aggregate only, small groups hidden and every figure a band of 5 (`equality.disclosure`).

Who sees what: the brands of the person whose policy monitors equality and where their
role allows `view_equality`. A person with none of those brands where their role does not
allow it (a director, a team lead, an agent) gets 403; a person with no such brand at all
(or asking for a brand out of reach) gets 404, as for a page that is not there."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from guichet.accounts.access import staff_required
from guichet.brands.models import Brand
from guichet.desk.shell import (
    desk_of,
    equality_brands,
    monitored_brands,
    shell_context,
    views_counted,
)
from guichet.equality.forms import EqualityFilterForm
from guichet.equality.queries import add_months, equality_figures, this_month
from guichet.lib.scoping import brand_scope

# The period shown by default: the last 12 months, this one included.
DEFAULT_MONTHS = 12


def _language(brand: Brand) -> str:
    language = get_language() or brand.default_language
    return language if language in brand.languages else brand.default_language


@staff_required
@require_GET
def equality_report(request: HttpRequest) -> HttpResponse:
    desk = desk_of(request)
    monitored = monitored_brands(desk)
    allowed = equality_brands(desk)
    if not allowed:
        if monitored:
            raise PermissionDenied
        raise Http404
    wanted = request.GET.get("brand", "")
    brand = next((b for b in allowed if b.slug == wanted), None) if wanted else allowed[0]
    if brand is None:
        if any(b.slug == wanted for b in monitored):
            raise PermissionDenied
        raise Http404
    language = _language(brand)
    form = EqualityFilterForm(
        request.GET or None,
        brands=[(b.slug, b.name) for b in allowed],
        initial={"brand": brand.slug},
    )
    now = this_month(brand)
    data: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data  # a wrong month: the default period, the error said
    last: date = data.get("last") or now
    first: date = data.get("first") or add_months(last, 1 - DEFAULT_MONTHS)
    if first > last:
        first, last = add_months(last, 1 - DEFAULT_MONTHS), last
    with brand_scope(brand):
        figures = equality_figures(brand, first=first, last=last, language=language)
    if not form.is_bound:
        form.initial.update(first=first, last=last)
    return render(
        request,
        "desk/equality.html",
        shell_context(
            desk,
            desk_brand=brand,
            form=form,
            figures=figures,
            first=first,
            last=last,
            several=len(allowed) > 1,
            **views_counted(desk),
        ),
    )
