"""FAQ candidates (KB-2, docs/help-centre.md "FAQ candidates"): what customers asked most
in the last period that no published article answers yet, found each night and proposed
to the publishers of the help centre.

Per brand and language (a brand's tickets never meet another's):

1. The period's tickets (`GUICHET_FAQ_DAYS`, 30 by default): the subject and the first
   message the customer wrote, normalised (`normalise`: quoted replies and signatures cut,
   emails, links, references and numbers removed, lower case, accents folded).
2. Their TF-IDF, on words (one and two, French and English stop words and the greetings of
   customer service left out) and on the letters inside words (three to five: misspelt and
   inflected words still meet), reduced to `DIMENSIONS` topics (LSA).
3. Grouped in two stages (`group_texts`): MiniBatchKMeans cuts the tickets into many small
   groups (about `PER_MICRO` tickets each), then those groups are joined by agglomerative
   clustering of their centres (cosine, average linkage, joined while closer than
   `MERGE_DISTANCE`), and a ticket far from its group's centre (`MEMBER_SIMILARITY`) is left
   out as a one-off. Measured against the alternatives on bench/knowledge_candidates.py:
   the docs give the figures and the reason.
4. A group of at least `GUICHET_FAQ_MIN_SIZE` tickets whose centre is close to no published
   article of the brand in that language (`GUICHET_FAQ_ANSWERED`, cosine on the same
   TF-IDF) becomes a `FaqCandidate`: its telling words, the question of its most typical
   ticket (the nearest its centre), its size, the period before's count (the tickets of that
   period nearest this group: the trend), example tickets (the most typical first).

`candidates_find` replaces the brand and language's NEW candidates; a group found again
(same key, or most of its words) that a publisher drafted or dismissed keeps that state,
its figures brought up to date. `candidate_draft` starts an article from a candidate
(`services.article_create`), `candidate_dismiss` sets one aside. scikit-learn is imported
where the grouping runs (start-up time: the web processes never load it)."""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import translation
from django.utils.translation import gettext as _

from guichet.accounts.models import User
from guichet.accounts.permissions import Action, can
from guichet.brands.models import Brand
from guichet.knowledge import services
from guichet.knowledge.markdown import plain_text
from guichet.knowledge.models import Article, CandidateState, FaqCandidate, Section, Visibility
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.tickets.choices import Direction
from guichet.tickets.models import Message, Ticket

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

# --- settings (read when the job runs) ---------------------------------------------------------


def period_days() -> int:
    return int(getattr(settings, "GUICHET_FAQ_DAYS", 30))


def min_size() -> int:
    return int(getattr(settings, "GUICHET_FAQ_MIN_SIZE", 5))


def answered_similarity() -> float:
    return float(getattr(settings, "GUICHET_FAQ_ANSWERED", 0.3))


# The grouping's parameters, chosen on the labelled bench (docs/help-centre.md).
DIMENSIONS = 100  # LSA topics
PER_MICRO = 12  # tickets per first-stage group, on average
MAX_MICRO = 2000  # first-stage groups at most (the second stage is quadratic in them)
MERGE_DISTANCE = 0.8  # cosine distance under which first-stage groups join (average link)
MEMBER_SIMILARITY = 0.35  # a ticket this far from its group's centre is a one-off
# A group whose tickets are, on average, further than this from its TF-IDF centre shares
# words but no question (one-offs gathered by chance): dropped.
GROUP_COHESION = 0.45
EXAMPLES = 10  # example tickets kept per candidate
TERMS = 6  # words kept per candidate
TEXT_CHARS = 2000  # of the first message: the question is at its start
QUOTED_ANSWERS = 3  # agents' answers quoted in a draft

# --- normalising -------------------------------------------------------------------------------

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\S+@\S+")
# A reference or a number: any token holding a digit (EJ-26-00042, CMD-12345, 3, 12h30).
_WITH_DIGIT = re.compile(r"\S*\d\S*")
_NOT_LETTER = re.compile(r"[^a-z]+")
_WORD = r"(?u)\b[a-z]{2,}\b"  # a word of the normalised text: two letters or more
# Where a reply quotes the earlier message: "On … wrote:", "Le … a écrit :".
_QUOTE_HEAD = re.compile(
    r"^\s*(?:on\s.{0,200}\swrote|le\s.{0,200}\sa\s[ée]crit)\s*:?\s*$", re.IGNORECASE
)
# The line a signature starts at: "-- ", a closing formula, a phone's footer.
_SIGNATURE = re.compile(
    r"^\s*(?:--\s*$|__+\s*$|cordialement|bien\s(?:à|a)\svous|bien\scordialement|"
    r"salutations|sinc[eè]res\ssalutations|merci\sd.avance|bonne\sjourn[ée]e|"
    r"envoy[ée]\sde\smon|kind\sregards|best\sregards|regards|best,|many\sthanks|"
    r"thanks\sin\sadvance|sent\sfrom\smy|get\soutlook)",
    re.IGNORECASE,
)


def fold(text: str) -> str:
    """Lower case, accents folded (é → e, ç → c, œ → oe)."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def strip_reply(text: str) -> str:
    """The customer's own words: the message up to a quoted earlier message or a signature,
    without quoted lines."""
    kept: list[str] = []
    for line in text.splitlines():
        if _QUOTE_HEAD.match(line) or (kept and _SIGNATURE.match(line)):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept)


def normalise(subject: str, text: str) -> str:
    """What the grouping reads of a ticket: its subject and the first message's own words,
    without emails, links, references or numbers, in lower case, accents folded."""
    body = strip_reply((text or "")[:TEXT_CHARS])
    joined = f"{subject or ''}\n{body}"
    joined = _URL.sub(" ", joined)
    joined = _EMAIL.sub(" ", joined)
    joined = _WITH_DIGIT.sub(" ", joined)
    return " ".join(_NOT_LETTER.sub(" ", fold(joined)).split())


# Stop words, folded as the texts are: French and English (scikit-learn's), and the words
# every customer-service message holds (greetings, thanks, polite closings).
_FRENCH = (
    "a ai aie aient aies ait alors as au aucun aucune aussi autre aux avais avait avant avec "
    "avez avoir avons ayant c ca car ce ceci cela celle celles celui ces cet cette ceux chaque "
    "ci comme d dans de des deja depuis donc dont du elle elles en encore est et etaient etais "
    "etait etant ete etes etre eu eux fait faire fais faut il ils j je jusqu l la le les leur "
    "leurs lui m ma mais me meme mes moi mon n ne ni nos notre nous on ont ou par parce pas "
    "peu peut plus pour pourquoi qu quand que quel quelle quelles quels qui s sa sans se sera "
    "ses si sinon soit son sont sous suis sur t ta te tes toi ton tous tout toute toutes tres "
    "tu un une unes uns vais vers voici voila vos votre vous vu y"
).split()
_SERVICE = (
    "bonjour bonsoir salut madame monsieur messieurs dames merci cordialement remercie "
    "svp plait s il vous plait avance bien hello hi dear team thanks thank you please regards "
    "kind best sincerely cheers good morning evening afternoon"
).split()


def stop_words() -> list[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return sorted({fold(w) for w in ENGLISH_STOP_WORDS} | set(_FRENCH) | set(_SERVICE))


# --- grouping ----------------------------------------------------------------------------------


@dataclass
class Group:
    members: list[int]  # indices of the texts, the most typical first
    similarities: list[float]  # each member's cosine to the group's centre
    terms: list[str]


@dataclass
class Grouping:
    """The groups of a set of texts (the one-offs in none), and what places another text
    (an article, a ticket of the period before) beside them."""

    groups: list[Group]
    labels: list[int]  # per text: its group's index, -1 for a one-off
    vectoriser: Any = None
    svd: Any = None
    centres: Any = None  # LSA centres of the groups (normalised), one row per group
    tfidf_centres: Any = None  # TF-IDF centres (normalised), for the articles
    timings: dict[str, float] = field(default_factory=dict)

    def tfidf(self, texts: Sequence[str]) -> Any:
        from sklearn.preprocessing import normalize

        return normalize(self.vectoriser.transform(texts))

    def nearest(self, texts: Sequence[str]) -> list[int]:
        """Per text, the group it would join (-1: none near enough)."""
        if not texts or not self.groups:
            return [-1] * len(texts)
        from sklearn.preprocessing import normalize

        reduced = normalize(self.svd.transform(self.tfidf(texts)))
        similarity = reduced @ self.centres.T
        best = similarity.argmax(axis=1)
        return [int(g) if similarity[i, g] >= MEMBER_SIMILARITY else -1 for i, g in enumerate(best)]


class _Vectoriser:
    """TF-IDF of words (1–2) and of letters inside words (3–5), each normalised, side by side."""

    def __init__(self, n: int) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        floor = 2 if n >= 20 else 1
        self.words = TfidfVectorizer(
            analyzer="word",
            ngram_range=(1, 2),
            token_pattern=_WORD,
            stop_words=stop_words(),
            min_df=floor,
            max_df=0.5 if n >= 20 else 1.0,
            sublinear_tf=True,
            dtype=_float32(),
        )
        self.letters = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(3, 5),
            min_df=floor,
            max_df=0.5 if n >= 20 else 1.0,
            sublinear_tf=True,
            max_features=100_000,
            dtype=_float32(),
        )

    def fit_transform(self, texts: Sequence[str]) -> Any:
        import scipy.sparse as sp
        from sklearn.preprocessing import normalize

        words = normalize(self.words.fit_transform(texts))
        letters = normalize(self.letters.fit_transform(_without_stop_words(texts)))
        return normalize(sp.hstack([words, letters]).tocsr())

    def transform(self, texts: Sequence[str]) -> Any:
        import scipy.sparse as sp
        from sklearn.preprocessing import normalize

        words = normalize(self.words.transform(texts))
        letters = normalize(self.letters.transform(_without_stop_words(texts)))
        return sp.hstack([words, letters]).tocsr()

    def word_names(self) -> Any:
        return self.words.get_feature_names_out()


def _float32() -> Any:
    import numpy as np

    return np.float32


_STOP: frozenset[str] | None = None


def _without_stop_words(texts: Sequence[str]) -> list[str]:
    """The letters' n-grams read the words that carry meaning only."""
    global _STOP
    if _STOP is None:
        _STOP = frozenset(stop_words())
    stop = _STOP
    return [" ".join(w for w in t.split() if w not in stop and len(w) > 1) for t in texts]


def group_texts(texts: Sequence[str], *, smallest: int = 5, seed: int = 0) -> Grouping:
    """Group normalised texts by what they ask (see the module's docstring); groups of
    fewer than `smallest` texts are dropped (their texts labelled -1)."""
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering, MiniBatchKMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    n = len(texts)
    timings: dict[str, float] = {}
    if n < max(2, smallest):
        return Grouping([], [-1] * n)
    started = time.perf_counter()
    vectoriser = _Vectoriser(n)
    try:
        matrix = vectoriser.fit_transform(texts)
    except ValueError:  # nothing left to read (every word a stop word or too rare)
        return Grouping([], [-1] * n)
    if matrix.shape[1] < 3:  # too few words to tell questions apart
        return Grouping([], [-1] * n)
    timings["tfidf"] = time.perf_counter() - started
    started = time.perf_counter()
    components = max(2, min(DIMENSIONS, matrix.shape[1] - 1, n - 1))
    svd = TruncatedSVD(n_components=components, random_state=seed, algorithm="randomized")
    reduced = normalize(svd.fit_transform(matrix)).astype(np.float32)
    timings["lsa"] = time.perf_counter() - started

    # Stage 1: many small groups.
    started = time.perf_counter()
    micro = max(2, min(MAX_MICRO, n // PER_MICRO, n))
    # Random starting centres: k-means++ costs minutes with 2,000 groups (50,000 tickets:
    # 450 s against seconds) and the second stage joins what a poor start splits.
    kmeans = MiniBatchKMeans(
        n_clusters=micro,
        init="random",
        random_state=seed,
        batch_size=max(1024, 3 * micro),
        n_init=1,
        max_iter=50,
    )
    first = kmeans.fit_predict(reduced)
    micro_centres = normalize(kmeans.cluster_centers_)
    used = np.unique(first)
    timings["kmeans"] = time.perf_counter() - started

    # Stage 2: join the small groups whose centres are close.
    started = time.perf_counter()
    if len(used) >= 2:
        joined = AgglomerativeClustering(
            n_clusters=None,
            metric="cosine",
            linkage="average",
            distance_threshold=MERGE_DISTANCE,
        ).fit_predict(micro_centres[used])
        mapping = np.full(micro, -1)
        mapping[used] = joined
        labels = mapping[first]
    else:
        labels = np.zeros(n, dtype=int)
    timings["merge"] = time.perf_counter() - started

    # Centres, one-offs left out, small groups dropped; typical members first.
    started = time.perf_counter()
    names = vectoriser.word_names()
    word_count = len(names)
    groups: list[Group] = []
    final = np.full(n, -1)
    centres, tfidf_centres = [], []
    for label in np.unique(labels):
        idx = np.flatnonzero(labels == label)
        if len(idx) < smallest:
            continue
        centre = normalize(reduced[idx].mean(axis=0, keepdims=True))[0]
        similarity = reduced[idx] @ centre
        keep = similarity >= MEMBER_SIMILARITY
        idx, similarity = idx[keep], similarity[keep]
        if len(idx) < smallest:
            continue
        centre = normalize(reduced[idx].mean(axis=0, keepdims=True))[0]
        similarity = reduced[idx] @ centre
        order = np.argsort(-similarity, kind="stable")
        idx, similarity = idx[order], similarity[order]
        tfidf_centre = normalize(np.asarray(matrix[idx].mean(axis=0)))[0]
        if float(np.mean(matrix[idx] @ tfidf_centre)) < GROUP_COHESION:
            continue
        final[idx] = len(groups)
        groups.append(
            Group(
                members=[int(i) for i in idx],
                similarities=[float(s) for s in similarity],
                terms=_terms(tfidf_centre[:word_count], names),
            )
        )
        centres.append(centre)
        tfidf_centres.append(tfidf_centre)
    timings["groups"] = time.perf_counter() - started
    groups_sorted = sorted(range(len(groups)), key=lambda g: -len(groups[g].members))
    renumber = {old: new for new, old in enumerate(groups_sorted)}
    return Grouping(
        groups=[groups[g] for g in groups_sorted],
        labels=[renumber[int(g)] if g >= 0 else -1 for g in final],
        vectoriser=vectoriser,
        svd=svd,
        centres=np.array([centres[g] for g in groups_sorted]) if groups else None,
        tfidf_centres=(
            normalize(np.array([tfidf_centres[g] for g in groups_sorted])) if groups else None
        ),
        timings=timings,
    )


def _terms(weights: np.ndarray, names: Any) -> list[str]:
    """The group's telling words: the heaviest of its centre, a word already inside a
    chosen pair of words skipped."""
    chosen: list[str] = []
    for i in weights.argsort()[::-1]:
        if weights[i] <= 0 or len(chosen) >= TERMS:
            break
        name = str(names[i])
        words = name.split()
        if any(name in c.split() for c in chosen):
            continue
        if len(words) == 2 and any(w in chosen for w in words):
            chosen = [c for c in chosen if c not in words]
        chosen.append(name)
    return chosen


def candidate_key(terms: Sequence[str]) -> str:
    """The same group found again carries the same key: its three first words, sorted."""
    return " ".join(sorted(terms[:3]))[:200]


def _same_group(terms: Sequence[str], other: Sequence[str]) -> bool:
    words = {w for t in terms[:TERMS] for w in t.split()}
    others = {w for t in other[:TERMS] for w in t.split()}
    return len(words & others) >= max(2, min(len(words), len(others)) // 2 + 1)


# --- the job -----------------------------------------------------------------------------------


def _tickets(brand: Brand, language: str, start: datetime, end: datetime) -> list[tuple]:
    """(id, subject, first customer message) of the brand's tickets opened in [start, end)
    in `language`, merged tickets left out (their survivor counts)."""
    first = (
        Message.objects.filter(
            ticket=OuterRef("pk"), direction=Direction.INBOUND, is_internal=False
        )
        .order_by("created_at", "pk")
        .values("text")[:1]
    )
    return list(
        Ticket.objects.filter(
            brand=brand,
            language=language,
            created_at__gte=start,
            created_at__lt=end,
            merged_into__isnull=True,
        )
        .annotate(first_text=Subquery(first))
        .order_by("pk")
        .values_list("pk", "subject", "first_text")
    )


def _question(rows: Sequence[tuple], members: Sequence[int]) -> str:
    """The group's question as its tickets put it most often: the subject most of them
    share (its words normalised), as the most typical of those wrote it; without such a
    subject, the most typical ticket's own (a reference or number in it left out), or its
    message's first words."""
    forms = Counter(normalise(rows[m][1] or "", "") for m in members)
    forms.pop("", None)
    common = [form for form, count in forms.most_common(1) if count > 1]
    for m in members:
        subject = " ".join((rows[m][1] or "").split())
        if subject and (not common or normalise(subject, "") == common[0]):
            return " ".join(w for w in subject.split() if not _WITH_DIGIT.fullmatch(w))[:300]
    words = strip_reply(rows[members[0]][2] or "").split()
    return " ".join(words[:40])[:300]


@dataclass
class Found:
    """What one run found for one brand and language."""

    language: str
    tickets: int
    groups: int
    answered: int
    candidates: list[FaqCandidate]
    timings: dict[str, float]


def candidates_find(
    *, brand: Brand, language: str, now: datetime | None = None, days: int | None = None
) -> Found:
    """Group the brand's tickets of the last `days` in `language` and replace its NEW
    candidates in that language with what was found (see the module's docstring)."""
    now = now or clock.now()
    days = days or period_days()
    end, start = now, now - timedelta(days=days)
    timings: dict[str, float] = {}
    with brand_scope(brand):
        started = time.perf_counter()
        rows = _tickets(brand, language, start, end)
        previous_rows = _tickets(brand, language, start - timedelta(days=days), start)
        timings["read"] = time.perf_counter() - started
        texts = [normalise(subject, text or "") for _pk, subject, text in rows]
        grouping = group_texts(texts, smallest=min_size())
        timings.update(grouping.timings)
        started = time.perf_counter()
        answered = _answered(brand, language, grouping)
        previous = Counter(grouping.nearest([normalise(s, t or "") for _pk, s, t in previous_rows]))
        timings["articles_trend"] = time.perf_counter() - started
        started = time.perf_counter()
        found = []
        for index, group in enumerate(grouping.groups):
            if index in answered:
                continue
            found.append(
                FaqCandidate(
                    brand=brand,
                    language=language,
                    period_start=start,
                    period_end=end,
                    found_at=now,
                    terms=group.terms,
                    question=_question(rows, group.members),
                    size=len(group.members),
                    previous_size=previous.get(index, 0),
                    ticket_ids=[rows[i][0] for i in group.members[:EXAMPLES]],
                    key=candidate_key(group.terms),
                )
            )
        saved = _replace(brand, language, found)
        timings["write"] = time.perf_counter() - started
    return Found(language, len(rows), len(grouping.groups), len(answered), saved, timings)


def _answered(brand: Brand, language: str, grouping: Grouping) -> set[int]:
    """The groups a published article of the brand in `language` already answers."""
    if not grouping.groups:
        return set()
    # Internal articles count too: the agents answer from them.
    published = Article.objects.filter(
        brand=brand,
        language=language,
        published__isnull=False,
        visibility__in=[Visibility.PUBLIC, Visibility.INTERNAL],
    ).select_related("published")
    articles = [
        normalise(a.published.title, plain_text(a.published.body))
        for a in published
        if a.published is not None
    ]
    if not articles:
        return set()
    similarity = grouping.tfidf(articles) @ grouping.tfidf_centres.T
    best = similarity.max(axis=0)
    threshold = answered_similarity()
    return {g for g in range(len(grouping.groups)) if best[g] >= threshold}


def _replace(brand: Brand, language: str, found: list[FaqCandidate]) -> list[FaqCandidate]:
    """NEW candidates replaced; a group drafted or dismissed before keeps its row (its
    state and article), its figures brought up to date."""
    with transaction.atomic():
        FaqCandidate.objects.filter(
            brand=brand, language=language, state=CandidateState.NEW
        ).delete()
        kept = list(FaqCandidate.objects.select_for_update().filter(brand=brand, language=language))
        fresh, claimed = [], set()
        for candidate in found:
            earlier = next(
                (
                    k
                    for k in kept
                    if k.pk not in claimed
                    and (k.key == candidate.key or _same_group(k.terms, candidate.terms))
                ),
                None,
            )
            if earlier is None:
                fresh.append(candidate)
                continue
            claimed.add(earlier.pk)
            for name in (
                "period_start",
                "period_end",
                "found_at",
                "terms",
                "question",
                "size",
                "previous_size",
                "ticket_ids",
            ):
                setattr(earlier, name, getattr(candidate, name))
            earlier.save()
        FaqCandidate.objects.bulk_create(fresh)
    return fresh + [k for k in kept if k.pk in claimed]


def candidates_find_all(*, now: datetime | None = None) -> dict[str, int]:
    """The nightly run: every active brand, each of its languages. Returns the candidates
    found per brand (its slug)."""
    found: dict[str, int] = {}
    for brand in Brand.objects.filter(is_active=True).order_by("pk"):
        total = 0
        for language in brand.languages or [brand.default_language]:
            try:
                total += len(candidates_find(brand=brand, language=language, now=now).candidates)
            except Exception:  # one brand's failure must not stop the others' run
                logger.exception("FAQ candidates of %s (%s) failed", brand.slug, language)
        found[brand.slug] = total
    return found


# --- the publishers' actions -------------------------------------------------------------------


def _require(actor: User, brand: Brand) -> None:
    if not can(actor, Action.PUBLISH_ARTICLES, brand=brand):
        raise InvalidRequest(_("You may not do this in the help centre."), code="forbidden")


def _locked(candidate: FaqCandidate) -> FaqCandidate:
    return FaqCandidate.objects.select_for_update().get(
        pk=candidate.pk, brand_id=candidate.brand_id
    )


def candidate_dismiss(*, candidate: FaqCandidate, actor: User) -> FaqCandidate:
    """Set a candidate aside: later runs that find the same group keep it dismissed."""
    brand = candidate.brand
    _require(actor, brand)
    with brand_scope(brand), transaction.atomic():
        candidate = _locked(candidate)
        if candidate.state != CandidateState.NEW:
            raise InvalidRequest(_("This candidate was dealt with already."), code="invalid")
        candidate.state = CandidateState.DISMISSED
        candidate.save(update_fields=["state"])
    return candidate


def best_answers(candidate: FaqCandidate, limit: int = QUOTED_ANSWERS) -> list[str]:
    """The agents' answers to the candidate's example tickets worth quoting: per ticket
    (the most typical first), its first reply written by a person (not a letter, not a
    note), a closed ticket's before an open one's."""
    ids = [int(i) for i in candidate.ticket_ids]
    replies = Message.objects.filter(
        brand_id=candidate.brand_id,
        ticket_id__in=ids,
        direction=Direction.OUTBOUND,
        is_internal=False,
        is_automatic=False,
        author_user__isnull=False,
    ).order_by("created_at", "pk")
    first: dict[int, str] = {}
    for ticket_id, text in replies.values_list("ticket_id", "text"):
        if ticket_id not in first and text.strip():
            first[ticket_id] = text.strip()
    closed = set(
        Ticket.objects.filter(
            brand_id=candidate.brand_id, pk__in=list(first), closed_at__isnull=False
        ).values_list("pk", flat=True)
    )
    ranked = sorted((i for i in ids if i in first), key=lambda i: (i not in closed, ids.index(i)))
    return [first[i] for i in ranked[:limit]]


def _quote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.strip().splitlines())


def draft_body(candidate: FaqCandidate) -> str:
    """The draft's first text, in the candidate's language: the question, the words
    customers used and the agents' best answers quoted, to be rewritten as an article."""
    answers = best_answers(candidate)
    with translation.override(candidate.language):
        parts = [
            _("Customers asked this %(count)s times in the last period.")
            % {"count": candidate.size},
            _("Their words: %(terms)s.") % {"terms": ", ".join(candidate.terms)},
        ]
        if answers:
            parts.append(
                "## " + _("Answers our team gave (rewrite them as one answer, then delete this)")
            )
            parts += [_quote(answer) for answer in answers]
        else:
            parts.append(_("No agent's answer to quote yet: write the answer here."))
    return "\n\n".join(parts)


def candidate_draft(*, candidate: FaqCandidate, actor: User, section: Section) -> FaqCandidate:
    """Start an article from the candidate (its question as the title, the agents' best
    answers quoted in the text) and mark the candidate drafted. The article is a draft in
    the candidate's language, in `section`, written by `actor` (who must be a writer)."""
    brand = candidate.brand
    _require(actor, brand)
    with brand_scope(brand), transaction.atomic():
        candidate = _locked(candidate)
        if candidate.state != CandidateState.NEW:
            raise InvalidRequest(_("This candidate was dealt with already."), code="invalid")
        article = services.article_create(
            brand=brand,
            actor=actor,
            section=section,
            language=candidate.language,
            title=candidate.question[: services.TITLE_LIMIT],
            body=draft_body(candidate),
            note=_("Started from a frequent question (%(terms)s).")
            % {"terms": ", ".join(candidate.terms[:3])},
        )
        candidate.state = CandidateState.DRAFTED
        candidate.article = article
        candidate.save(update_fields=["state", "article"])
    return candidate
