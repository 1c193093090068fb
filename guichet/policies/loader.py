"""Read a policy file: TOML syntax, then the typed schema, then cross-references.

Every error carries the key path and the line it was found on, so `guichet policy
check` can say exactly what to fix.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from guichet.policies.schema import SCHEMA_VERSION, Policy, semantic_errors
from guichet.policies.toml_lines import key_lines, line_of

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class PolicyError:
    path: KeyPath
    line: int | None
    message: str

    @property
    def dotted(self) -> str:
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out or "(document)"

    def format(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line else source
        return f"{where}: {self.dotted}: {self.message}"


@dataclass
class LoadResult:
    source: str
    text: str
    policy: Policy | None = None
    errors: list[PolicyError] = field(default_factory=list)
    # A policy whose structure is valid but which fails the semantic checks (set with
    # `errors`): what a version already in force runs as (`parse_policy(published=True)`).
    lapses: Policy | None = None

    @property
    def ok(self) -> bool:
        return self.policy is not None and not self.errors

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


class PolicyInvalid(Exception):
    def __init__(self, result: LoadResult) -> None:
        self.result = result
        lines = "\n".join(e.format(result.source) for e in result.errors)
        super().__init__(f"invalid policy {result.source}:\n{lines}")


logger = logging.getLogger(__name__)

_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")
_MESSAGES = {
    "extra_forbidden": "unknown key (not part of the policy schema; check its spelling)",
    "missing": "required key is missing",
}


_PATTERNS = {
    r"^[a-z0-9][a-z0-9_-]{0,39}$": "use lowercase letters, digits, - and _ (at most 40)",
    r"^[A-Z][A-Z0-9]{1,5}$": "use 2 to 6 capital letters or digits, starting with a letter",
    r"^#[0-9a-fA-F]{6}$": "use a colour such as #1f4e79",
    r"^[A-Z]{2}$": "use a two-letter ISO country code such as FR",
    r"^[A-Z]{3}$": "use a three-letter ISO currency code such as EUR",
}


def _pydantic_message(error: Any) -> str:
    kind = error.get("type", "")
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind == "string_pattern_mismatch":
        pattern = (error.get("ctx") or {}).get("pattern", "")
        return f"{error.get('input')!r} is not valid: " + _PATTERNS.get(
            pattern, f"must match {pattern}"
        )
    message = str(error.get("msg", ""))
    return message.removeprefix("Value error, ")


def load_policy(text: str, source: str = "<policy>") -> LoadResult:
    result = LoadResult(source=source, text=text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POSITION.search(str(exc))
        line = getattr(exc, "lineno", None) or (int(match.group(1)) if match else None)
        if line is None and "end of document" in str(exc):
            line = text.count("\n") + 1
        message = _TOML_POSITION.sub("", getattr(exc, "msg", str(exc))).strip()
        result.errors.append(PolicyError((), line, f"TOML syntax error: {message}"))
        return result

    written_for = data.get("schema_version")
    if isinstance(written_for, int) and written_for > SCHEMA_VERSION:
        # A file for a newer Guichet: its other errors would only be noise.
        message = (
            f"written for schema version {written_for}; this version of Guichet reads "
            f"version {SCHEMA_VERSION}: upgrade Guichet to use this file"
        )
        line = line_of(key_lines(text), ("schema_version",))
        result.errors.append(PolicyError(("schema_version",), line, message))
        return result

    found: list[tuple[tuple[str | int, ...], str]]
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        found = [
            (tuple(p for p in error["loc"] if p != "root"), _pydantic_message(error))
            for error in exc.errors()
        ]
    else:
        found = semantic_errors(policy)
        if not found:
            result.policy = policy
            return result
        result.lapses = policy
    # The keys' lines only to place errors: mapping them takes as long as the rest of
    # reading a valid policy, which every process that reads one does.
    lines = key_lines(text)
    result.errors += [PolicyError(path, line_of(lines, path), message) for path, message in found]
    return result


def load_policy_file(path: str | Path) -> LoadResult:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return LoadResult(str(path), "", errors=[PolicyError((), None, f"not UTF-8 text: {exc}")])
    except OSError as exc:
        return LoadResult(
            str(path), "", errors=[PolicyError((), None, f"cannot read: {exc.strerror}")]
        )
    return load_policy(text, str(path))


def parse_policy(text: str, source: str = "<policy>", *, published: bool = False) -> Policy:
    """The policy, or PolicyInvalid listing every error.

    `published`: a version already in force, which passed the checks of its day when it
    was published. A check added since (`semantic_errors`) does not stop the brand: its
    findings are logged and the version runs as it did, until someone publishes a
    corrected one (its text checked with `guichet policy check` lists them). A text whose structure no longer
    parses (TOML, the schema) is still an error."""
    result = load_policy(text, source)
    if not result.ok and published and result.lapses is not None:
        logger.warning(
            "the policy in force %s no longer passes this version's checks; it runs as it"
            " was published until a corrected version is:\n%s",
            source,
            "\n".join(e.format(source) for e in result.errors),
        )
        return result.lapses
    if not result.ok:
        raise PolicyInvalid(result)
    assert result.policy is not None
    return result.policy
