"""Speed and fidelity of parse_email on a corpus written by the shared make_corpus.py.

    .venv/bin/python /work/shared/bench/make_corpus.py /tmp/mail 1000 --seed 1
    .venv/bin/python guichet/intake/email/tests/bench_parse.py /tmp/mail [--large]

Prints messages per second (best of three passes over the corpus, parse_email alone), how
many messages parsed, and how many manifest probe sentences are found in `new_text` (and
in `text`). `--large` first turns each message into a 5–20 KB one as Gmail or Outlook send
a reply: text and HTML alternatives quoting the last messages, and a 3 KB image.
Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import random
import time
from pathlib import Path

from guichet.intake.email.parsing import parse_email


def load(corpus: Path) -> list[tuple[dict[str, str], bytes]]:
    manifest = Path(str(corpus).rstrip("/") + ".manifest.jsonl")
    records = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines()]
    return [(record, (corpus / record["file"]).read_bytes()) for record in records]


def enlarge(messages: list[tuple[dict[str, str], bytes]]) -> list[tuple[dict[str, str], bytes]]:
    rng = random.Random(1)
    image = base64.encodebytes(bytes(rng.randrange(256) for _ in range(3000))).decode()
    history: list[str] = []
    out = []
    for record, raw in messages:
        parsed = parse_email(raw)
        quoted = "\n".join(history[-rng.randint(3, 12) :])
        history.append(parsed.text)
        head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
        head = "\r\n".join(
            line
            for line in head.split("\r\n")
            if not line.lower().startswith(("content-", "mime-version", " boundary"))
        )
        attribution = "Le mardi 3 mars 2026 à 10:00, Service Client <support@x.example> a écrit :"
        plain = (
            parsed.text + f"\n\n{attribution}\n" + "\n".join(f"> {q}" for q in quoted.split("\n"))
        )
        rich = (
            f"<html><body><div dir=ltr><p>{html.escape(parsed.text)}</p><div class=gmail_quote>"
            f"{html.escape(attribution)}<blockquote>{html.escape(quoted)}</blockquote></div>"
            "</div></body></html>"
        ).replace("\n", "<br>\n")
        body = (
            'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="m"\r\n\r\n--m\r\n'
            'Content-Type: multipart/alternative; boundary="a"\r\n\r\n--a\r\n'
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + plain.replace("\n", "\r\n")
            + "\r\n--a\r\nContent-Type: text/html; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n"
            + rich
            + '\r\n--a--\r\n--m\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename="photo.png"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n"
            + image.replace("\n", "\r\n")
            + "\r\n--m--\r\n"
        )
        out.append((record, (head + "\r\n" + body).encode("utf-8")))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--large", action="store_true")
    args = parser.parse_args()
    messages = load(args.corpus)
    if args.large:
        messages = enlarge(messages)
    sizes = sorted(len(raw) for _, raw in messages)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _, raw in messages:
            parse_email(raw)
        best = min(best, time.perf_counter() - start)
    parsed = [(record, parse_email(raw)) for record, raw in messages]
    in_new = sum(1 for record, result in parsed if record["probe"] in result.new_text)
    in_text = sum(1 for record, result in parsed if record["probe"] in result.text)
    failures = sum(1 for _, result in parsed if "parser_failure" in result.defects)
    print(
        f"{len(messages)} messages, median {sizes[len(sizes) // 2] / 1024:.1f} KB: "
        f"{len(messages) / best:.0f} messages/s ({best / len(messages) * 1000:.3f} ms each); "
        f"{len(messages) - failures} parsed; probe sentences in new_text {in_new}, "
        f"in text {in_text}, of {len(messages)}"
    )


if __name__ == "__main__":
    main()
