"""The equality form (RP-3, docs/reports.md): a few optional questions about the customer,
offered after a complaint or a dispute — on the confirmation page of the request just
sent, and on the request's page — and counted apart from the request
(`equality.services`). Portal pages like those of views.py, sharing its page machinery.

Whose form it is comes from the browser, never from what it posts: the request this
browser has just sent (the session, as the confirmation page knows it), or a request of
the customer signed in at this brand. Another brand's request is not found."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from guichet.brands.models import Brand
from guichet.equality import services
from guichet.equality.forms import EqualityForm
from guichet.equality.queries import equality_offered, form_used
from guichet.lib.errors import InvalidRequest
from guichet.portal import queries
from guichet.portal.views import (
    _language,
    _render,
    _session,
    customer_required,
    portal_page,
    sent_ticket,
)
from guichet.tickets.models import Ticket


def _form_page(request: HttpRequest, brand: Brand, ticket: Ticket, back: str) -> HttpResponseBase:
    """The form (GET), or the answers counted (POST); back to `back` after, or on
    "skip" (a link: nothing is written)."""
    if form_used(ticket):
        messages.info(request, _("Your answers for this request are already counted. Thank you."))
        return redirect(back)
    if not equality_offered(brand, ticket):
        raise Http404
    form = EqualityForm(
        request.POST if request.method == "POST" else None,
        policy=brand.get_policy(),
        language=_language(brand),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.equality_answer(brand=brand, ticket=ticket, answers=form.answers())
            except InvalidRequest as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request,
                    _("Thank you: your answers are counted, apart from your request."),
                )
                return redirect(back)
        status = 400
    context = {"ticket": ticket, "form": form, "back": back}
    return _render(request, brand, "portal/equality.html", context, status)


@require_http_methods(["GET", "POST"])
@portal_page
def equality_sent(request: HttpRequest, brand: Brand) -> HttpResponseBase:
    """The form of the request this browser has just sent (from the confirmation page)."""
    _, ticket = sent_ticket(request, brand)
    if ticket is None:
        raise Http404
    return _form_page(
        request, brand, ticket, reverse("portal:contact_sent", kwargs={"brand": brand.slug})
    )


@require_http_methods(["GET", "POST"])
@portal_page
@customer_required
def equality_request(request: HttpRequest, brand: Brand, reference: str) -> HttpResponseBase:
    """The form of one of the signed-in customer's requests (from its page)."""
    ticket = queries.customer_ticket(brand, _session(request).contact, reference)
    back = reverse("portal:request", kwargs={"brand": brand.slug, "reference": ticket.reference})
    return _form_page(request, brand, ticket, back)
