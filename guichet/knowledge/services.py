"""What changes the help centre's articles (docs/help-centre.md). Views, the API and the
jobs call these; none writes the models directly.

An article is written as versions: saving writes a new draft version; a writer sends it
for review; a publisher publishes it (the public then reads it) or sends it back with a
note; a publisher may publish their own draft at once. Who may do what is the policy's
`[help_centre]` (Action.WRITE_ARTICLES, Action.PUBLISH_ARTICLES)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.accounts.permissions import Action, can
from guichet.brands.models import Brand
from guichet.knowledge.index import reindex
from guichet.knowledge.models import (
    Article,
    ArticleDay,
    ArticleVersion,
    Section,
    VersionState,
    Visibility,
)
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope

TITLE_LIMIT = 200
BODY_LIMIT = 100_000


def _require(user: User, action: Action, brand: Brand) -> None:
    if not can(user, action, brand=brand):
        raise InvalidRequest(_("You may not do this in the help centre."), code="forbidden")


def _clean(title: Any, body: Any) -> tuple[str, str]:
    title = " ".join(str(title or "").split())
    body = str(body or "").replace("\r\n", "\n").strip()
    if not title:
        raise InvalidRequest(_("Give the article a title."), code="invalid")
    if len(title) > TITLE_LIMIT:
        raise InvalidRequest(
            _("A title holds at most %(limit)s characters.") % {"limit": TITLE_LIMIT},
            code="too_long",
        )
    if not body:
        raise InvalidRequest(_("Write the article's text."), code="invalid")
    if len(body) > BODY_LIMIT:
        raise InvalidRequest(
            _("An article holds at most %(limit)s characters.") % {"limit": BODY_LIMIT},
            code="too_long",
        )
    return title, body


def _language(brand: Brand, language: str) -> str:
    languages = brand.languages or [brand.default_language]
    if language not in languages:
        raise InvalidRequest(_("The brand does not write in this language."), code="invalid")
    return language


# --- sections ---------------------------------------------------------------------------------


def section_save(
    *,
    brand: Brand,
    actor: User,
    key: str,
    title: dict[str, str],
    description: dict[str, str] | None = None,
    position: int | None = None,
) -> Section:
    """Create the section `key` or change its titles (publishers arrange the help centre)."""
    _require(actor, Action.PUBLISH_ARTICLES, brand)
    key = slugify(key)[:60]
    titles = {lang: " ".join(str(t).split()) for lang, t in title.items() if str(t).strip()}
    if not key or not titles:
        raise InvalidRequest(_("Give the section a key and a title."), code="invalid")
    with brand_scope(brand), transaction.atomic():
        section = Section.objects.select_for_update().filter(brand=brand, key=key).first()
        if section is None:
            last = Section.objects.filter(brand=brand).order_by("-position").first()
            section = Section(
                brand=brand,
                key=key,
                created_at=clock.now(),
                position=(last.position + 1) if last else 0,
            )
        section.title = titles
        if description is not None:
            section.description = {k: v.strip() for k, v in description.items() if v.strip()}
        if position is not None:
            section.position = position
        section.save()
    return section


# --- articles ---------------------------------------------------------------------------------


def _new_version(
    article: Article, actor: User | None, title: str, body: str, note: str, state: str
) -> ArticleVersion:
    last = article.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = ArticleVersion.objects.create(
        brand_id=article.brand_id,
        article=article,
        number=last + 1,
        title=title,
        body=body,
        state=state,
        author=actor,
        created_at=clock.now(),
        note=str(note or "")[:500],
    )
    article.latest = version
    article.updated_at = version.created_at
    article.save(update_fields=["latest", "updated_at"])
    return version


def article_create(
    *,
    brand: Brand,
    actor: User,
    section: Section,
    language: str,
    title: str,
    body: str,
    visibility: str = Visibility.PUBLIC,
    note: str = "",
    original: Article | None = None,
) -> Article:
    """A new article (its first version a draft), or the translation of `original` into
    `language` (remembering which published version it translates)."""
    _require(actor, Action.WRITE_ARTICLES, brand)
    title, body = _clean(title, body)
    language = _language(brand, language)
    if visibility not in Visibility.values:
        raise InvalidRequest(_("Unknown visibility."), code="invalid")
    if section.brand_id != brand.pk:
        raise InvalidRequest(_("Unknown section."), code="invalid")
    now = clock.now()
    with brand_scope(brand), transaction.atomic():
        source_number = None
        if original is not None:
            original = (
                Article.objects.select_related("published", "original__published")
                .filter(pk=original.pk, brand=brand)
                .first()
            )
            if original is None or original.language == language:
                raise InvalidRequest(_("Translate into another language."), code="invalid")
            if original.original_id is not None:
                original = original.original  # translations hang from the first article
            assert original is not None
            if Article.objects.filter(original=original, language=language).exists():
                raise InvalidRequest(
                    _("This article has a translation in this language already."),
                    code="invalid",
                )
            source_number = original.published.number if original.published else None
        article = Article.objects.create(
            brand=brand,
            section=section,
            language=language,
            slug=slugify(title)[:120] or "article",
            visibility=visibility,
            original=original,
            source_number=source_number,
            created_at=now,
            created_by=actor,
            updated_at=now,
        )
        _new_version(article, actor, title, body, note, VersionState.DRAFT)
    return article


def _locked(article: Article) -> Article:
    return (
        Article.objects.select_for_update(of=("self",))
        .select_related("latest", "published")
        .get(pk=article.pk, brand_id=article.brand_id)
    )


def article_edit(
    *,
    article: Article,
    actor: User,
    title: str,
    body: str,
    note: str = "",
    section: Section | None = None,
    visibility: str | None = None,
) -> ArticleVersion:
    """Save a new draft of the article (the public keeps the published version until this
    one is published). The section and visibility change at once."""
    brand = article.brand
    _require(actor, Action.WRITE_ARTICLES, brand)
    title, body = _clean(title, body)
    with brand_scope(brand), transaction.atomic():
        article = _locked(article)
        changed = []
        if section is not None and section.pk != article.section_id:
            if section.brand_id != brand.pk:
                raise InvalidRequest(_("Unknown section."), code="invalid")
            article.section = section
            changed.append("section")
        if visibility is not None and visibility != article.visibility:
            if visibility not in Visibility.values:
                raise InvalidRequest(_("Unknown visibility."), code="invalid")
            article.visibility = visibility
            changed.append("visibility")
        if changed:
            article.save(update_fields=changed)
            if "visibility" in changed and article.published_id is not None:
                reindex(article.pk, article.brand_id)  # found by the public, or no longer
        latest = article.latest
        if latest is not None and (latest.title, latest.body) == (title, body) and not note:
            return latest  # nothing new to keep
        return _new_version(article, actor, title, body, note, VersionState.DRAFT)


def article_submit(*, article: Article, actor: User) -> ArticleVersion:
    """Send the latest draft for review."""
    _require(actor, Action.WRITE_ARTICLES, article.brand)
    with brand_scope(article.brand), transaction.atomic():
        article = _locked(article)
        latest = article.latest
        if latest is None or latest.state != VersionState.DRAFT:
            raise InvalidRequest(_("There is no draft to send for review."), code="invalid")
        latest.state = VersionState.IN_REVIEW
        latest.save(update_fields=["state"])
    return latest


def article_publish(*, article: Article, actor: User, note: str = "") -> ArticleVersion:
    """Publish the latest version (a draft or one waiting for review): the public reads it
    from now on; the version published before is kept as superseded."""
    _require(actor, Action.PUBLISH_ARTICLES, article.brand)
    now = clock.now()
    with brand_scope(article.brand), transaction.atomic():
        article = _locked(article)
        latest = article.latest
        if latest is None or latest.state not in (VersionState.DRAFT, VersionState.IN_REVIEW):
            raise InvalidRequest(_("There is nothing new to publish."), code="invalid")
        if article.published is not None:
            ArticleVersion.objects.filter(pk=article.published.pk).update(
                state=VersionState.SUPERSEDED
            )
        latest.state = VersionState.PUBLISHED
        latest.reviewed_by, latest.reviewed_at = actor, now
        latest.review_note = str(note or "")[:500]
        latest.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note"])
        first = not article.versions.filter(
            state__in=(VersionState.PUBLISHED, VersionState.SUPERSEDED)
        ).exists()
        if first:  # its address follows the title it is first published with
            article.slug = slugify(latest.title)[:120] or "article"
        article.published, article.published_at, article.updated_at = latest, now, now
        article.save(update_fields=["published", "published_at", "updated_at", "slug"])
        reindex(article.pk, article.brand_id)
    return latest


def article_send_back(*, article: Article, actor: User, note: str) -> ArticleVersion:
    """Send a version waiting for review back to its writer as a draft, with the reason."""
    _require(actor, Action.PUBLISH_ARTICLES, article.brand)
    note = " ".join(str(note or "").split())[:500]
    if not note:
        raise InvalidRequest(_("Say what to change."), code="invalid")
    with brand_scope(article.brand), transaction.atomic():
        article = _locked(article)
        latest = article.latest
        if latest is None or latest.state != VersionState.IN_REVIEW:
            raise InvalidRequest(_("Nothing is waiting for review."), code="invalid")
        latest.state = VersionState.DRAFT
        latest.reviewed_by, latest.reviewed_at, latest.review_note = actor, clock.now(), note
        latest.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note"])
    return latest


def article_withdraw(*, article: Article, actor: User) -> None:
    """Take the article off the help centre (its versions are kept; publishing again
    brings it back)."""
    _require(actor, Action.PUBLISH_ARTICLES, article.brand)
    with brand_scope(article.brand), transaction.atomic():
        article = _locked(article)
        if article.published is None:
            raise InvalidRequest(_("The article is not published."), code="invalid")
        ArticleVersion.objects.filter(pk=article.published.pk).update(state=VersionState.SUPERSEDED)
        article.published, article.published_at = None, None
        article.updated_at = clock.now()
        article.save(update_fields=["published", "published_at", "updated_at"])
        reindex(article.pk, article.brand_id)


def translation_updated(*, article: Article, actor: User) -> None:
    """The translation now follows the original's published version (after its writer
    brought it up to date): no longer stale."""
    _require(actor, Action.WRITE_ARTICLES, article.brand)
    original = article.original
    if original is None or original.published is None:
        raise InvalidRequest(_("This article translates no published article."), code="invalid")
    with brand_scope(article.brand):
        Article.objects.filter(pk=article.pk).update(source_number=original.published.number)


def is_stale(article: Article) -> bool:
    """A translation whose original was published again after it was translated."""
    original = article.original
    if original is None or original.published is None:
        return False
    return article.source_number is None or original.published.number > article.source_number


# --- reading ----------------------------------------------------------------------------------


def public_articles(brand: Brand, language: str) -> Any:
    """The articles the public reads in `language`: published, not internal."""
    return Article.objects.filter(
        brand=brand,
        language=language,
        visibility=Visibility.PUBLIC,
        published__isnull=False,
        section__brand=brand,
    ).select_related("published", "section")


def record_view(article: Article, *, suggested: bool = False) -> None:
    """One reading of the article (the day's count and the article's popularity)."""
    _count(article, views=1, suggested=1 if suggested else 0)
    Article.objects.filter(pk=article.pk).update(views=F("views") + 1)


def record_vote(article: Article, *, helpful: bool) -> None:
    field = "helpful" if helpful else "unhelpful"
    _count(article, **{field: 1})
    Article.objects.filter(pk=article.pk).update(**{field: F(field) + 1})


def _count(article: Article, **added: int) -> None:
    day = clock.now().date()
    with transaction.atomic():
        row, _created = ArticleDay.objects.get_or_create(
            brand_id=article.brand_id, article_id=article.pk, day=day
        )
        ArticleDay.objects.filter(pk=row.pk).update(
            **{name: F(name) + value for name, value in added.items() if value}
        )


@dataclass(frozen=True)
class ArticleHit:
    article_id: int
    title: str
    excerpt: str
    rank: float
