"""The help centre's sections in the desk (`/desk/help/sections`, publishers: the roles of
the policy's `[help_centre] publishers`): added, renamed, put in the order the help
centre's home shows them. Every change goes through `knowledge.services.section_save`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from guichet.accounts.access import signed_in, staff_required
from guichet.accounts.permissions import Action
from guichet.brands.models import Brand
from guichet.desk.kb_views import (
    brand_languages,
    brand_sections,
    help_brands,
    help_page,
    mid_sentence,
)
from guichet.desk.shell import desk_of
from guichet.knowledge import services
from guichet.knowledge.models import Article, Section
from guichet.lib.errors import ServiceError
from guichet.lib.inputs import posted_id
from guichet.lib.names import language_name


def _titles(brand: Brand, data: Any) -> dict[str, str]:
    return {code: str(data.get(f"title_{code}", "")).strip() for code in brand_languages(brand)}


@staff_required
@require_http_methods(["GET", "POST"])
def sections(request: HttpRequest) -> HttpResponseBase:
    """The brand's sections (publishers): added, renamed, put in order."""
    desk = desk_of(request)
    publishing = [b for b in help_brands(desk) if desk.can(Action.PUBLISH_ARTICLES, b)]
    slug = request.POST.get("brand") or request.GET.get("brand")
    brand = next((b for b in publishing if b.slug == slug), None)
    if brand is None and not slug and publishing:
        brand = publishing[0]
    if brand is None:
        raise Http404
    back = redirect(f"{reverse('desk:help_sections')}?brand={brand.slug}")
    if request.method == "POST":
        actor = signed_in(request)
        listed = brand_sections(brand)
        try:
            if request.POST.get("move"):
                moved = next(
                    (s for s in listed if s.pk == posted_id(request.POST.get("section"))), None
                )
                if moved is None:
                    raise Http404
                at = listed.index(moved)
                to = at - 1 if request.POST["move"] == "up" else at + 1
                if 0 <= to < len(listed):
                    listed[at], listed[to] = listed[to], listed[at]
                    for position, section in enumerate(listed):
                        if section.position != position:
                            services.section_save(
                                brand=brand,
                                actor=actor,
                                key=section.key,
                                title=section.title,
                                position=position,
                            )
                messages.success(request, _("Order saved."))
            elif request.POST.get("section"):
                renamed = next(
                    (s for s in listed if s.pk == posted_id(request.POST.get("section"))), None
                )
                if renamed is None:
                    raise Http404
                services.section_save(
                    brand=brand, actor=actor, key=renamed.key, title=_titles(brand, request.POST)
                )
                messages.success(request, _("Section renamed."))
            else:
                key = request.POST.get("key", "")
                if Section.objects.filter(brand=brand, key=key).exists():
                    raise ServiceError(_("A section has this key already."))
                services.section_save(
                    brand=brand, actor=actor, key=key, title=_titles(brand, request.POST)
                )
                messages.success(request, _("Section added."))
        except ServiceError as exc:
            messages.error(request, str(exc))
        return back
    reader = get_language() or brand.default_language
    listed = brand_sections(brand)
    counts = {
        row["section_id"]: row["n"]
        for row in Article.objects.filter(brand=brand)
        .values("section_id")
        .annotate(n=Count("pk"))
        .values("section_id", "n")
    }
    return help_page(
        desk,
        "desk/help/sections.html",
        request,
        desk_brand=brand,
        brand=brand,
        brands=publishing,
        sections=[(s, counts.get(s.pk, 0)) for s in listed],
        languages=[
            (code, mid_sentence(language_name(code, reader), reader))
            for code in brand_languages(brand)
        ],
    )
