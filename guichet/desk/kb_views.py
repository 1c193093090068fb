"""The help centre in the desk (docs/help-centre.md, "Writing, review and publication"):
the articles of the brands the person writes or publishes for (`/desk/help/`, filtered by
language, section, state, stale translations), the editor (Markdown with a live preview,
images uploaded and checked, a note for each change), the review (send for review,
publish, send back with a note, withdraw), every version with a readable diff between two,
translations ("translate into…", and what changed in the original since), and the
sections (publishers, `kb_sections`); the differences between versions are `kb_diff`'s.

Thin: every change goes through `knowledge.services` (and `knowledge.images`), which
check the policy's `[help_centre] writers` and `publishers` again. An article of a brand
the person does not write for answers 404 exactly as one that does not exist."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guichet.accounts.access import signed_in, staff_required
from guichet.accounts.permissions import Action, StaffAccess
from guichet.brands.models import Brand
from guichet.desk.kb_diff import original_changes, version_diff
from guichet.desk.shell import desk_of, shell_context, views_counted
from guichet.knowledge import images, services
from guichet.knowledge.markdown import render as render_markdown
from guichet.knowledge.models import Article, Section, VersionState, Visibility
from guichet.lib.errors import ServiceError
from guichet.lib.inputs import posted_id
from guichet.lib.names import language_name

PAGE_SIZE = 50

STATES = [
    ("draft", gettext_lazy("Draft")),
    ("in_review", gettext_lazy("Waiting for review")),
    ("published", gettext_lazy("Published")),
    ("internal", gettext_lazy("Internal")),
]


# --- who may reach what --------------------------------------------------------------------------


def help_brands(desk: StaffAccess) -> list[Brand]:
    """The person's brands whose articles they write or publish (the policy's
    `[help_centre]`)."""
    return [
        brand
        for brand in desk.brands
        if desk.can(Action.WRITE_ARTICLES, brand) or desk.can(Action.PUBLISH_ARTICLES, brand)
    ]


def _brand_of(desk: StaffAccess, slug: str | None) -> Brand:
    brands = help_brands(desk)
    found = next((b for b in brands if b.slug == slug), None)
    if found is None and not slug and len(brands) == 1:
        found = brands[0]
    if found is None:
        raise Http404
    return found


def access_article(desk: StaffAccess, pk: int) -> Article:
    """An article of one of the person's help centre brands, or 404."""
    found = (
        Article.objects.filter(pk=pk, brand_id__in=[b.pk for b in help_brands(desk)])
        .select_related("brand", "section", "latest", "published", "original__published")
        .first()
    )
    if found is None:
        raise Http404
    found.brand = desk.brand(found.brand_id) or found.brand
    return found


def _may(desk: StaffAccess, brand: Brand) -> dict[str, bool]:
    return {
        "write": desk.can(Action.WRITE_ARTICLES, brand),
        "publish": desk.can(Action.PUBLISH_ARTICLES, brand),
    }


def brand_languages(brand: Brand) -> list[str]:
    return list(brand.languages or [brand.default_language])


def brand_sections(brand: Brand) -> list[Section]:
    return list(Section.objects.filter(brand=brand).order_by("position", "pk"))


def help_page(
    desk: StaffAccess, template: str, request: HttpRequest, **context: Any
) -> HttpResponse:
    status = context.pop("status", 200)
    return render(
        request,
        template,
        shell_context(desk, view="help", **views_counted(desk), **context),
        status=status,
    )


def mid_sentence(name: str, reader: str) -> str:
    """A language's name inside a sentence ("traduire en anglais", "translate into English")."""
    return name.lower() if reader == "fr" else name


# --- the articles' list --------------------------------------------------------------------------


def stale_filter() -> Q:
    """Translations whose original was published again after they were translated."""
    return Q(original__isnull=False, original__published__isnull=False) & (
        Q(source_number__isnull=True) | Q(source_number__lt=F("original__published__number"))
    )


@dataclass
class Row:
    article: Article
    stale: bool
    missing: list[tuple[str, str]] = field(default_factory=list)  # (code, name) to translate into


def _filtered(brands: list[Brand], data: Any) -> tuple[QuerySet[Article], dict[str, str]]:
    chosen = {key: str(data.get(key, "")) for key in ("brand", "language", "section", "state")}
    chosen["stale"] = "1" if data.get("stale") == "1" else ""
    rows = Article.objects.filter(brand_id__in=[b.pk for b in brands])
    if chosen["brand"]:
        rows = rows.filter(brand__slug=chosen["brand"])
    if chosen["language"]:
        rows = rows.filter(language=chosen["language"])
    if chosen["section"]:
        rows = rows.filter(section_id=posted_id(chosen["section"]))
    state = chosen["state"]
    if state in (VersionState.DRAFT, VersionState.IN_REVIEW):
        rows = rows.filter(latest__state=state)
    elif state == "published":
        rows = rows.filter(published__isnull=False)
    elif state == "internal":
        rows = rows.filter(visibility=Visibility.INTERNAL)
    else:
        chosen["state"] = ""
    if chosen["stale"]:
        rows = rows.filter(stale_filter())
    rows = rows.select_related(
        "brand", "section", "latest__author", "published", "original__published"
    ).prefetch_related("translations")
    return rows.order_by("section__position", "section_id", "position", "pk"), chosen


@staff_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    desk = desk_of(request)
    brands = help_brands(desk)
    if not brands:
        raise Http404
    rows, chosen = _filtered(brands, request.GET)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    reader = get_language() or "fr"
    shown = []
    for article in page.object_list:
        article.brand = desk.brand(article.brand_id) or article.brand
        missing = []
        if article.original_id is None and desk.can(Action.WRITE_ARTICLES, article.brand):
            have = {article.language} | {t.language for t in article.translations.all()}
            missing = [
                (code, mid_sentence(language_name(code, reader), reader))
                for code in brand_languages(article.brand)
                if code not in have
            ]
        shown.append(Row(article, services.is_stale(article), missing))
    languages = sorted({code for b in brands for code in brand_languages(b)})
    query = "&".join(f"{k}={v}" for k, v in chosen.items() if v)
    return help_page(
        desk,
        "desk/help/articles.html",
        request,
        page=page,
        rows=shown,
        chosen=chosen,
        query=query,
        help_brands=brands,
        several=len(brands) > 1,
        languages=[(code, language_name(code, reader)) for code in languages],
        sections=Section.objects.filter(brand_id__in=[b.pk for b in brands]).select_related(
            "brand"
        ),
        states=STATES,
        reader=reader,
        publishers_of=[b for b in brands if desk.can(Action.PUBLISH_ARTICLES, b)],
        writers_of=[b for b in brands if desk.can(Action.WRITE_ARTICLES, b)],
    )


# --- the editor ----------------------------------------------------------------------------------


class ArticleForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=services.TITLE_LIMIT)
    language = forms.ChoiceField(label=gettext_lazy("Language"))
    section = forms.TypedChoiceField(label=gettext_lazy("Section"), coerce=int)
    visibility = forms.ChoiceField(
        label=gettext_lazy("Who reads it"),
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )
    body = forms.CharField(
        label=gettext_lazy("Text (Markdown)"),
        max_length=services.BODY_LIMIT,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}),
    )
    note = forms.CharField(
        label=gettext_lazy("What changed (for the history)"), max_length=500, required=False
    )

    def __init__(self, brand: Brand, *args: Any, new: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reader = get_language() or brand.default_language
        language = cast(forms.ChoiceField, self.fields["language"])
        language.choices = [(code, language_name(code, reader)) for code in brand_languages(brand)]
        section = cast(forms.ChoiceField, self.fields["section"])
        section.choices = [(s.pk, s.title_in(reader)) for s in brand_sections(brand)]
        if not new:  # an article keeps its language (a translation is another article)
            del self.fields["language"]


THEN = {"save", "submit", "publish"}


def _then(request: HttpRequest) -> str:
    then = request.POST.get("then", "save")
    return then if then in THEN else "save"


def _editor(
    request: HttpRequest,
    desk: StaffAccess,
    brand: Brand,
    form: ArticleForm,
    *,
    article: Article | None = None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    body = form["body"].value() or ""
    stale_diff = None
    if article is not None and services.is_stale(article):
        stale_diff = original_changes(article)
    return help_page(
        desk,
        "desk/help/editor.html",
        request,
        status=status,
        desk_brand=brand,
        brand=brand,
        form=form,
        article=article,
        may=_may(desk, brand),
        preview=render_markdown(body),
        accept=images.ACCEPT,
        stale=stale_diff is not None,
        stale_diff=stale_diff,
        **extra,
    )


def _section(brand: Brand, pk: int) -> Section:
    found = Section.objects.filter(brand=brand, pk=pk).first()
    if found is None:
        raise ServiceError(_("Unknown section."))
    return found


def _after_save(request: HttpRequest, article: Article, then: str) -> None:
    actor = signed_in(request)
    if then == "submit":
        services.article_submit(article=article, actor=actor)
        messages.success(request, _("Saved and sent for review."))
    elif then == "publish":
        services.article_publish(article=article, actor=actor)
        messages.success(request, _("Saved and published."))
    else:
        messages.success(request, _("Draft saved."))


@staff_required
@require_http_methods(["GET", "POST"])
def article_new(request: HttpRequest) -> HttpResponse:
    desk = desk_of(request)
    writable = [b for b in help_brands(desk) if desk.can(Action.WRITE_ARTICLES, b)]
    slug = request.POST.get("brand") or request.GET.get("brand")
    if not slug and len(writable) > 1:
        if not writable:
            raise Http404
        return help_page(desk, "desk/help/choose_brand.html", request, brands=writable)
    brand = _brand_of(desk, slug)
    if not desk.can(Action.WRITE_ARTICLES, brand):
        raise Http404
    if not brand_sections(brand):
        messages.warning(request, _("The help centre has no section yet: a publisher adds one."))
        if desk.can(Action.PUBLISH_ARTICLES, brand):
            return redirect(f"{reverse('desk:help_sections')}?brand={brand.slug}")
        return redirect("desk:help_articles")
    initial = {"language": request.GET.get("language") or brand.default_language}
    if request.method == "GET":
        return _editor(request, desk, brand, ArticleForm(brand, initial=initial))
    form = ArticleForm(brand, request.POST)
    if not form.is_valid():
        return _editor(request, desk, brand, form, status=400)
    data = form.cleaned_data
    try:
        article = services.article_create(
            brand=brand,
            actor=signed_in(request),
            section=_section(brand, data["section"]),
            language=data["language"],
            title=data["title"],
            body=data["body"],
            visibility=data["visibility"],
            note=data["note"],
        )
        _after_save(request, article, _then(request))
    except ServiceError as exc:
        messages.error(request, str(exc))
        return _editor(request, desk, brand, form, status=exc.status)
    return redirect("desk:help_edit", pk=article.pk)


def _initial(article: Article) -> dict[str, Any]:
    latest = article.latest
    return {
        "title": latest.title if latest else "",
        "body": latest.body if latest else "",
        "section": article.section_id,
        "visibility": article.visibility,
    }


@staff_required
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    desk = desk_of(request)
    article = access_article(desk, pk)
    brand = article.brand
    if request.method == "GET":
        form = ArticleForm(brand, initial=_initial(article), new=False)
        return _editor(request, desk, brand, form, article=article)
    form = ArticleForm(brand, request.POST, new=False)
    if not form.is_valid():
        return _editor(request, desk, brand, form, article=article, status=400)
    data = form.cleaned_data
    try:
        services.article_edit(
            article=article,
            actor=signed_in(request),
            title=data["title"],
            body=data["body"],
            note=data["note"],
            section=_section(brand, data["section"]),
            visibility=data["visibility"],
        )
        _after_save(request, article, _then(request))
    except ServiceError as exc:
        messages.error(request, str(exc))
        status = 403 if exc.code == "forbidden" else exc.status
        return _editor(request, desk, brand, form, article=article, status=status)
    return redirect("desk:help_edit", pk=article.pk)


@staff_required
@require_POST
def article_preview(request: HttpRequest) -> HttpResponse:
    """The Markdown as the help centre will show it (the editor's live preview)."""
    desk = desk_of(request)
    if not help_brands(desk):
        raise Http404
    html = render_markdown(request.POST.get("body", "")[: services.BODY_LIMIT])
    return render(request, "desk/help/_preview.html", {"preview": html})


def _review(request: HttpRequest, pk: int, act: Any, done: str) -> HttpResponseBase:
    desk = desk_of(request)
    article = access_article(desk, pk)
    try:
        act(article, signed_in(request))
    except ServiceError as exc:
        messages.error(request, str(exc))
        if exc.code == "forbidden":
            return _editor(
                request,
                desk,
                article.brand,
                ArticleForm(article.brand, initial=_initial(article), new=False),
                article=article,
                status=403,
            )
    else:
        messages.success(request, done)
    return redirect("desk:help_edit", pk=article.pk)


@staff_required
@require_POST
def article_submit(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _review(
        request,
        pk,
        lambda a, actor: services.article_submit(article=a, actor=actor),
        _("Sent for review."),
    )


@staff_required
@require_POST
def article_publish(request: HttpRequest, pk: int) -> HttpResponseBase:
    note = request.POST.get("note", "")
    return _review(
        request,
        pk,
        lambda a, actor: services.article_publish(article=a, actor=actor, note=note),
        _("Published."),
    )


@staff_required
@require_POST
def article_send_back(request: HttpRequest, pk: int) -> HttpResponseBase:
    note = request.POST.get("note", "")
    return _review(
        request,
        pk,
        lambda a, actor: services.article_send_back(article=a, actor=actor, note=note),
        _("Sent back to its writer."),
    )


@staff_required
@require_POST
def article_withdraw(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _review(
        request,
        pk,
        lambda a, actor: services.article_withdraw(article=a, actor=actor),
        _("Withdrawn from the help centre."),
    )


@staff_required
@require_POST
def article_up_to_date(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _review(
        request,
        pk,
        lambda a, actor: services.translation_updated(article=a, actor=actor),
        _("The translation follows the original again."),
    )


# --- images --------------------------------------------------------------------------------------


@staff_required
@require_POST
def image_upload(request: HttpRequest) -> HttpResponse:
    """An image for an article: checked, stored, and its Markdown given back — put where
    the writer is typing (desk/help.js), or, without JavaScript, added at the end of the
    draft shown again (not saved)."""
    desk = desk_of(request)
    brand = _brand_of(desk, request.POST.get("brand"))
    article = None
    if request.POST.get("article"):
        article = access_article(desk, posted_id(request.POST.get("article")))
        if article.brand_id != brand.pk:
            raise Http404
    upload = request.FILES.get("image")
    markdown, problem = "", ""
    if upload is None:
        problem = _("Choose an image first.")
    else:
        try:
            stored = images.image_upload(
                brand=brand,
                actor=signed_in(request),
                filename=upload.name or "",
                content=upload,
            )
            markdown = images.image_markdown(stored, brand, alt=request.POST.get("alt", ""))
        except ServiceError as exc:
            problem = str(exc)
    status = 400 if problem else 200
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "desk/help/_image.html",
            {"markdown": markdown, "problem": problem},
            status=status,
        )
    data = request.POST.copy()
    if markdown:
        data["body"] = (data.get("body", "").rstrip() + "\n\n" + markdown + "\n").lstrip()
        messages.success(request, _("Image added at the end of the text (not saved yet)."))
    else:
        messages.error(request, problem)
    form = ArticleForm(brand, data, new=article is None)
    form.is_valid()  # the draft shown again with what it lacks
    return _editor(request, desk, brand, form, article=article, status=status)


# --- history ------------------------------------------------------------------------------------


@staff_required
@require_GET
def article_history(request: HttpRequest, pk: int) -> HttpResponse:
    desk = desk_of(request)
    article = access_article(desk, pk)
    versions = list(article.versions.select_related("author", "reviewed_by").order_by("-number"))
    by_number = {v.number: v for v in versions}
    new = by_number.get(posted_id(request.GET.get("b"))) or (versions[0] if versions else None)
    old = by_number.get(posted_id(request.GET.get("a")))
    if old is None and new is not None:
        old = by_number.get(new.number - 1)
    diff = version_diff(old, new) if old is not None and new is not None else None
    return help_page(
        desk,
        "desk/help/history.html",
        request,
        desk_brand=article.brand,
        article=article,
        versions=versions,
        diff=diff,
        a=old.number if old else None,
        b=new.number if new else None,
    )


# --- translations --------------------------------------------------------------------------------


class TranslationForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=services.TITLE_LIMIT)
    body = forms.CharField(
        label=gettext_lazy("Text (Markdown)"),
        max_length=services.BODY_LIMIT,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}),
    )
    note = forms.CharField(
        label=gettext_lazy("What changed (for the history)"), max_length=500, required=False
    )


@staff_required
@require_http_methods(["GET", "POST"])
def article_translate(request: HttpRequest, pk: int, language: str) -> HttpResponseBase:
    desk = desk_of(request)
    article = access_article(desk, pk)
    if article.original_id is not None:
        article = access_article(desk, article.original_id)
    brand = article.brand
    if not desk.can(Action.WRITE_ARTICLES, brand) or language not in brand_languages(brand):
        raise Http404
    existing = article.translations.filter(language=language).first()
    if existing is not None or language == article.language:
        return redirect("desk:help_edit", pk=existing.pk if existing else article.pk)
    source = article.published or article.latest
    reader = get_language() or brand.default_language
    context = {
        "desk_brand": brand,
        "article": article,
        "source": source,
        "source_html": render_markdown(source.body if source else ""),
        "language": language,
        "language_label": mid_sentence(language_name(language, reader), reader),
    }
    if request.method == "GET":
        initial = {"title": source.title if source else "", "body": source.body if source else ""}
        return help_page(
            desk,
            "desk/help/translate.html",
            request,
            form=TranslationForm(initial=initial),
            **context,
        )
    form = TranslationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            created = services.article_create(
                brand=brand,
                actor=signed_in(request),
                section=article.section,
                language=language,
                title=data["title"],
                body=data["body"],
                visibility=article.visibility,
                note=data["note"],
                original=article,
            )
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Translation saved as a draft."))
            return redirect("desk:help_edit", pk=created.pk)
    return help_page(desk, "desk/help/translate.html", request, form=form, status=400, **context)
