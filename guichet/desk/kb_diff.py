"""Readable differences between two versions of a help centre article (the history page,
and what changed in an original since its translation): the lines removed and added, a
changed line's words marked, long unchanged stretches folded. Reads only."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from guichet.knowledge.models import Article, ArticleVersion

# An unchanged stretch longer than this is folded, keeping this many lines of context on
# each side.
CONTEXT_LINES = 2


@dataclass
class DiffLine:
    kind: str  # "same", "add", "del", "fold"
    parts: list[tuple[str, str]]  # (kind, text): "same", "add", "del" within the line
    folded: int = 0  # for "fold": how many unchanged lines are not shown


_WORDS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def _word_diff(old: str, new: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    left: list[tuple[str, str]] = []
    right: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            left.append(("same", "".join(a[i1:i2])))
            right.append(("same", "".join(b[j1:j2])))
        else:
            if i2 > i1:
                left.append(("del", "".join(a[i1:i2])))
            if j2 > j1:
                right.append(("add", "".join(b[j1:j2])))
    return _joined(left), _joined(right)


def _joined(parts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Parts of one kind side by side as one, and the spaces between two changed words
    inside their change ("<ins>votre espace client</ins>", not three marks)."""
    out: list[tuple[str, str]] = []
    for kind, text in parts:
        if not text:
            continue
        if out and out[-1][0] == kind:
            out[-1] = (kind, out[-1][1] + text)
        elif kind != "same" and len(out) >= 2 and out[-1][0] == "same" and not out[-1][1].strip():
            if out[-2][0] == kind:
                space = out.pop()[1]
                out[-1] = (kind, out[-1][1] + space + text)
            else:
                out.append((kind, text))
        else:
            out.append((kind, text))
    return out


def text_diff(old: str, new: str) -> list[DiffLine]:
    """The lines of `new` against `old`: removed, added, unchanged (long unchanged stretches
    folded), a changed line's words marked."""
    a, b = old.splitlines(), new.splitlines()
    lines: list[DiffLine] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            same = a[i1:i2]
            if len(same) > 2 * CONTEXT_LINES + 1:
                head = same[:CONTEXT_LINES] if lines else []
                tail = same[-CONTEXT_LINES:] if i2 < len(a) or j2 < len(b) else []
                lines += [DiffLine("same", [("same", t)]) for t in head]
                lines.append(DiffLine("fold", [], folded=len(same) - len(head) - len(tail)))
                lines += [DiffLine("same", [("same", t)]) for t in tail]
            else:
                lines += [DiffLine("same", [("same", t)]) for t in same]
        else:
            # Lines replaced one for one show their words changed; the rest are removed
            # or added whole.
            paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
            for old_line, new_line in zip(a[i1 : i1 + paired], b[j1 : j1 + paired], strict=True):
                left, right = _word_diff(old_line, new_line)
                lines.append(DiffLine("del", left))
                lines.append(DiffLine("add", right))
            lines += [DiffLine("del", [("del", t)]) for t in a[i1 + paired : i2]]
            lines += [DiffLine("add", [("add", t)]) for t in b[j1 + paired : j2]]
    return lines


def version_diff(old: ArticleVersion, new: ArticleVersion) -> dict[str, Any]:
    return {
        "old": old,
        "new": new,
        "title": _word_diff(old.title, new.title) if old.title != new.title else None,
        "lines": text_diff(old.body, new.body),
        "same": (old.title, old.body) == (new.title, new.body),
    }


def original_changes(article: Article) -> dict[str, Any] | None:
    """What changed in the original since the translation was made: the original's version
    it was made from against the one published now."""
    original = article.original
    if original is None or original.published is None:
        return None
    then = None
    if article.source_number is not None:
        then = original.versions.filter(number=article.source_number).first()
    if then is None:  # translated before the original was ever published
        then = original.versions.order_by("number").first()
    if then is None:
        return None
    found = version_diff(then, original.published)
    found["original"] = original
    return found
