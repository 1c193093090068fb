"""Where each key of a TOML document is written: key path -> line number.

`tomllib` gives values without positions; policy errors must point at a line. This
scanner walks a document that `tomllib` has already accepted (so it need not report
syntax errors) and records the line of every table header, key, array element and
inline-table key, with paths shaped like pydantic error locations:
("deadlines", 2, "target"), ("calendar", "hours", "mon", 0).
"""

from __future__ import annotations

Path = tuple[str | int, ...]

_BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.lines: dict[Path, int] = {}
        self.aot_index: dict[Path, int] = {}  # array-of-tables path -> current index

    # --- low level -------------------------------------------------------------------
    def peek(self, offset: int = 0) -> str:
        i = self.pos + offset
        return self.text[i] if i < len(self.text) else ""

    def advance(self, n: int = 1) -> None:
        for _ in range(n):
            if self.pos < len(self.text):
                if self.text[self.pos] == "\n":
                    self.line += 1
                self.pos += 1

    def startswith(self, token: str) -> bool:
        return self.text.startswith(token, self.pos)

    def skip_ws(self, newlines: bool = False) -> None:
        while self.pos < len(self.text):
            ch = self.peek()
            if ch in " \t\r" or (newlines and ch == "\n"):
                self.advance()
            elif ch == "#":
                while self.pos < len(self.text) and self.peek() != "\n":
                    self.advance()
            else:
                break

    # --- pieces ----------------------------------------------------------------------
    def string(self) -> str:
        for quote in ('"""', "'''"):
            if self.startswith(quote):
                self.advance(3)
                start = self.pos
                while not self.startswith(quote):
                    if quote == '"""' and self.peek() == "\\":
                        self.advance()
                    self.advance()
                # A closing delimiter may carry up to two extra quotes.
                while self.text.startswith(quote, self.pos + 1):
                    self.advance()
                raw = self.text[start : self.pos]
                self.advance(3)
                return raw
        quote = self.peek()
        self.advance()
        out = []
        while self.peek() != quote:
            if quote == '"' and self.peek() == "\\":
                out.append(self.peek())
                self.advance()
            out.append(self.peek())
            self.advance()
        self.advance()
        return "".join(out)

    def key(self) -> list[str]:
        parts: list[str] = []
        while True:
            self.skip_ws()
            if self.peek() in "\"'":
                parts.append(self.string())
            else:
                start = self.pos
                while self.peek() in _BARE and self.peek():
                    self.advance()
                parts.append(self.text[start : self.pos])
            self.skip_ws()
            if self.peek() == ".":
                self.advance()
                continue
            return parts

    def resolve(self, parts: list[str]) -> Path:
        """Insert array-of-tables indices where a prefix names an array of tables."""
        path: list[str | int] = []
        for part in parts:
            path.append(part)
            index = self.aot_index.get(tuple(path))
            if index is not None:
                path.append(index)
        return tuple(path)

    def value(self, path: Path) -> None:
        ch = self.peek()
        if ch == "[":
            self.advance()
            index = 0
            while True:
                self.skip_ws(newlines=True)
                if self.peek() == "]":
                    self.advance()
                    return
                self.lines.setdefault((*path, index), self.line)
                self.value((*path, index))
                index += 1
                self.skip_ws(newlines=True)
                if self.peek() == ",":
                    self.advance()
        elif ch == "{":
            self.advance()
            while True:
                self.skip_ws()
                if self.peek() == "}":
                    self.advance()
                    return
                line = self.line
                sub = (*path, *self.key())
                self.lines.setdefault(sub, line)
                self.skip_ws()
                self.advance()  # '='
                self.skip_ws()
                self.value(sub)
                self.skip_ws()
                if self.peek() == ",":
                    self.advance()
        elif ch in "\"'":
            self.string()
        else:
            while self.peek() and self.peek() not in ",]}\n#":
                self.advance()

    def document(self) -> dict[Path, int]:
        table: Path = ()
        while True:
            self.skip_ws(newlines=True)
            if self.pos >= len(self.text):
                return self.lines
            line = self.line
            if self.startswith("[["):
                self.advance(2)
                parts = self.key()
                self.advance(2)
                parent = self.resolve(parts[:-1])
                base = (*parent, parts[-1])
                self.aot_index[base] = self.aot_index.get(base, -1) + 1
                # Forget the indices of arrays nested in the previous element.
                for known in list(self.aot_index):
                    if len(known) > len(base) and known[: len(base)] == base:
                        del self.aot_index[known]
                table = (*base, self.aot_index[base])
                self.lines.setdefault(base, line)
                self.lines[table] = line
            elif self.peek() == "[":
                self.advance()
                table = self.resolve(self.key())
                self.advance()
                self.lines.setdefault(table, line)
            else:
                sub = (*table, *self.key())
                self.lines.setdefault(sub, line)
                self.skip_ws()
                self.advance()  # '='
                self.skip_ws()
                self.value(sub)


def key_lines(text: str) -> dict[Path, int]:
    """Map every key path of a valid TOML document to the line (1-based) that writes it."""
    return _Scanner(text).document()


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of `path`, or of its nearest written ancestor (a default-filled key has none)."""
    probe = tuple(path)
    while probe:
        if probe in lines:
            return lines[probe]
        probe = probe[:-1]
    return None
