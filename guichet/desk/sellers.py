"""The sellers of the marketplaces in the person's reach (docs/marketplace.md): the list
(`/desk/sellers/`, by status) and one seller's page (`/desk/sellers/<id>/`): its details
and people, its status and the history of it, its strikes, its tickets. Managers (the
roles with `manage_sellers`) restrict, reinstate or terminate it and withdraw a strike,
each with a reason, through the services that record it on the seller and its tickets.

A seller of a brand out of reach, or of a brand that is not a marketplace, answers 404
exactly as one that does not exist."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guichet.accounts.access import signed_in, staff_required
from guichet.accounts.permissions import Action, StaffAccess
from guichet.brands.models import Brand
from guichet.desk import forms, queries
from guichet.desk.acting import form_errors
from guichet.desk.shell import desk_of, markets, shell_context, views_counted
from guichet.lib import clock
from guichet.lib.errors import ServiceError
from guichet.marketplace.models import (
    Seller,
    SellerStatus,
    SellerStatusChange,
    Strike,
    counting_strikes,
)
from guichet.tickets import services
from guichet.tickets.choices import OPEN_STATUSES
from guichet.tickets.models import Ticket

# A seller's page lists this many of its tickets, open ones first.
TICKETS_SHOWN = 50


def access_seller(desk: StaffAccess, pk: int) -> Seller:
    """A seller of one of the person's marketplaces, or 404."""
    found = (
        Seller.objects.filter(pk=pk, brand_id__in=[b.pk for b in markets(desk)])
        .select_related("brand")
        .first()
    )
    if found is None:
        raise Http404
    return found


def _counted(sellers: QuerySet[Seller], brands: list[Brand]) -> QuerySet[Seller]:
    """Each seller with its open disputes and the strikes that count against it (within
    its brand's window, if the policy has one): one query, a subquery each."""
    now = clock.now()
    window = Q()
    for brand in brands:
        market = brand.get_policy().marketplace
        if market is not None and market.strikes_within is not None:
            window |= Q(brand_id=brand.pk, at__gte=now - market.strikes_within.as_timedelta())
        else:
            window |= Q(brand_id=brand.pk)

    def count(query: QuerySet[Any]) -> Any:
        counted = query.order_by().values("seller").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    return sellers.annotate(
        open_disputes=count(Ticket.objects.filter(seller=OuterRef("pk"), status__in=OPEN_STATUSES)),
        strikes=count(
            Strike.objects.filter(seller=OuterRef("pk"), withdrawn_at__isnull=True).filter(window)
        ),
    )


@staff_required
@require_GET
def seller_list(request: HttpRequest) -> HttpResponse:
    desk = desk_of(request)
    brands = markets(desk)
    if not brands:
        raise Http404
    status = request.GET.get("status", "")
    if status not in SellerStatus.values:
        status = ""
    sellers = Seller.objects.filter(brand_id__in=[b.pk for b in brands]).select_related("brand")
    if status:
        sellers = sellers.filter(status=status)
    page = Paginator(_counted(sellers, brands).order_by("name", "pk"), queries.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "desk/sellers.html",
        shell_context(
            desk,
            page=page,
            status=status,
            statuses=SellerStatus.choices,
            several=len(brands) > 1,
            **views_counted(desk),
        ),
    )


@staff_required
@require_GET
def seller_detail(request: HttpRequest, pk: int) -> HttpResponse:
    desk = desk_of(request)
    seller = access_seller(desk, pk)
    return render(
        request,
        "desk/seller.html",
        shell_context(desk, **_detail(desk, seller), **views_counted(desk)),
    )


def _detail(desk: StaffAccess, seller: Seller) -> dict[str, Any]:
    market = seller.brand.get_policy().marketplace
    assert market is not None  # access_seller: a marketplace's seller
    since = desk.now - market.strikes_within.as_timedelta() if market.strikes_within else None
    tickets = (
        Ticket.objects.filter(seller=seller)
        .select_related("contact")
        .order_by(F("closed_at").desc(nulls_first=True), "-created_at", "-pk")
    )
    return {
        "desk_brand": seller.brand,
        "seller": seller,
        "people": list(seller.people.order_by("name")),
        "history": list(
            SellerStatusChange.objects.filter(seller=seller)
            .select_related("actor_user")
            .order_by("-at", "-pk")
        ),
        "strikes": list(
            Strike.objects.filter(seller=seller)
            .select_related("ticket", "recorded_by", "withdrawn_by")
            .order_by("-at", "-pk")
        ),
        "counting": counting_strikes(seller, since=since).count(),
        "threshold": market.strikes_before_restriction,
        # The window strikes are counted over, in days (None: they count for ever).
        "within": max(1, market.strikes_within.as_timedelta().days)
        if market.strikes_within
        else None,
        "tickets": list(tickets[:TICKETS_SHOWN]),
        "tickets_total": tickets.count(),
        "open_total": tickets.filter(status__in=OPEN_STATUSES).count(),
        "manage": desk.can(Action.MANAGE_SELLERS, seller.brand),
        "status_form": forms.SellerStatusForm(seller.status),
        "withdraw_form": forms.WithdrawForm(),
    }


def _managed(request: HttpRequest, pk: int) -> tuple[StaffAccess, Seller]:
    """The seller, for a manager's decision: 404 out of reach, 403 for a role that may not."""
    desk = desk_of(request)
    seller = access_seller(desk, pk)
    if not desk.can(Action.MANAGE_SELLERS, seller.brand):
        raise PermissionDenied
    return desk, seller


@staff_required
@require_POST
def seller_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Restrict, reinstate or terminate the seller, with the reason."""
    _desk, seller = _managed(request, pk)
    form = forms.SellerStatusForm(seller.status, request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("desk:seller", pk=seller.pk)
    try:
        services.seller_set_status(
            seller=seller,
            actor=signed_in(request),
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The seller is now %(status)s.")
            % {"status": SellerStatus(seller.status).label.lower()},
        )
    return redirect("desk:seller", pk=seller.pk)


@staff_required
@require_POST
def strike_withdraw(request: HttpRequest, pk: int, strike: int) -> HttpResponse:
    """Withdraw one of the seller's strikes, with the reason (it is kept, and no longer
    counts)."""
    _desk, seller = _managed(request, pk)
    found = Strike.objects.filter(seller=seller, pk=strike).select_related("seller__brand").first()
    if found is None:
        raise Http404
    form = forms.WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the strike is withdrawn."))
        return redirect("desk:seller", pk=seller.pk)
    try:
        services.strike_withdraw(
            strike=found, actor=signed_in(request), reason=form.cleaned_data["reason"]
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Strike withdrawn: it no longer counts."))
    return redirect("desk:seller", pk=seller.pk)
