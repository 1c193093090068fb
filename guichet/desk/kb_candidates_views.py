"""FAQ candidates in the desk (KB-2, docs/help-centre.md "FAQ candidates"):
`/desk/help/candidates`, for the help centre's publishers (`publish_articles`: who decides
what the help centre says — by default managers and administrators; a team lead who sees
the reports but does not publish has nothing to do with a candidate).

Each candidate with its size, its trend (the period before), its words and example tickets;
"write an article from this" starts a draft (`candidates.candidate_draft`) and opens its
editor; "dismiss" sets it aside. A person with brands but none where they publish gets 403;
a candidate of a brand out of their reach answers 404, as one that does not exist."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guichet.accounts.access import signed_in, staff_required
from guichet.accounts.permissions import Action, StaffAccess
from guichet.brands.models import Brand
from guichet.desk.shell import desk_of, shell_context, views_counted
from guichet.knowledge.candidates import candidate_dismiss, candidate_draft
from guichet.knowledge.models import CandidateState, FaqCandidate, Section
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.tickets.models import Ticket


def _brands(desk: StaffAccess) -> list[Brand]:
    brands = [b for b in desk.brands if desk.can(Action.PUBLISH_ARTICLES, b)]
    if not brands:
        if desk.brands:
            raise PermissionDenied
        raise Http404
    return brands


def _access(desk: StaffAccess, pk: int) -> FaqCandidate:
    brands = _brands(desk)
    with brand_scope(brands):
        candidate = (
            FaqCandidate.objects.select_related("brand")
            .filter(pk=pk, brand_id__in=[b.pk for b in brands])
            .first()
        )
    if candidate is None:
        raise Http404
    return candidate


@dataclass
class Row:
    candidate: FaqCandidate
    examples: list[Ticket]
    trend: int  # size minus the period before's
    sections: list[tuple[int, str]]  # where its article may go, titled in its language


def editor_url(article_id: int) -> str:
    """The draft's editor (the desk's articles pages)."""
    return reverse("desk:help_edit", args=[article_id])


@staff_required
@require_GET
def candidate_list(request: HttpRequest) -> HttpResponse:
    desk = desk_of(request)
    brands = _brands(desk)
    wanted = request.GET.get("brand", "")
    brand = next((b for b in brands if b.slug == wanted), None) if wanted else brands[0]
    if brand is None:
        raise Http404
    shown = request.GET.get("state", CandidateState.NEW)
    if shown not in CandidateState.values:
        shown = CandidateState.NEW
    with brand_scope(brand):
        candidates = list(
            FaqCandidate.objects.filter(brand=brand, state=shown)
            .select_related("article")
            .order_by("-size", "pk")[:100]
        )
        ids = {int(i) for c in candidates for i in c.ticket_ids[:5]}
        tickets = Ticket.objects.filter(brand=brand, pk__in=ids).only("pk", "reference", "subject")
        by_id = {t.pk: t for t in tickets}
        sections = list(Section.objects.filter(brand=brand))
    rows = [
        Row(
            candidate=c,
            examples=[by_id[int(i)] for i in c.ticket_ids[:5] if int(i) in by_id],
            trend=c.size - c.previous_size,
            sections=[(s.pk, s.title_in(c.language)) for s in sections],
        )
        for c in candidates
    ]
    return render(
        request,
        "desk/help/candidates.html",
        shell_context(
            desk,
            desk_brand=brand,
            brands=brands,
            several=len(brands) > 1,
            rows=rows,
            shown=shown,
            states=CandidateState.choices,
            **views_counted(desk),
        ),
    )


def _back(candidate: FaqCandidate) -> str:
    return reverse("desk:help_candidates") + f"?brand={candidate.brand.slug}"


@staff_required
@require_POST
def candidate_draft_view(request: HttpRequest, pk: int) -> HttpResponse:
    desk = desk_of(request)
    candidate = _access(desk, pk)
    with brand_scope(candidate.brand):
        section = Section.objects.filter(
            brand=candidate.brand, pk=request.POST.get("section") or 0
        ).first()
    if section is None:
        messages.error(request, _("Choose the section the article goes in."))
        return redirect(_back(candidate))
    try:
        candidate = candidate_draft(candidate=candidate, actor=signed_in(request), section=section)
    except InvalidRequest as refused:
        messages.error(request, str(refused))
        return redirect(_back(candidate))
    assert candidate.article_id is not None
    messages.success(request, _("A draft was started from this question."))
    return redirect(editor_url(candidate.article_id))


@staff_required
@require_POST
def candidate_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    desk = desk_of(request)
    candidate = _access(desk, pk)
    try:
        candidate_dismiss(candidate=candidate, actor=signed_in(request))
    except InvalidRequest as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Candidate dismissed."))
    return redirect(_back(candidate))
