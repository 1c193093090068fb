"""Simple logos drawn for the preset brands (`guichet load-presets` gives one to a brand
that has none), so the demo's brands differ by more than a colour: a white badge holding
an emblem of the brand's colour with its initials, and its name."""

from __future__ import annotations

import io
import math
import unicodedata
from typing import Any

SHAPES = ("circle", "diamond", "hexagon", "rounded", "triangle")
HEIGHT = 96
PAD = 14


def initials(name: str) -> str:
    """Up to two capitals from the words of `name` ("Expérience Jamaïque" → "EJ")."""
    words = [w for w in name.replace("&", " ").split() if w[:1].isalnum()]
    letters = "".join(w[0] for w in words[:2]).upper()
    return letters or name[:1].upper()


def _polygon(sides: int, centre: tuple[float, float], radius: float, turn: float) -> list:
    x, y = centre
    return [
        (
            x + radius * math.cos(turn + 2 * math.pi * i / sides),
            y + radius * math.sin(turn + 2 * math.pi * i / sides),
        )
        for i in range(sides)
    ]


def _fonts() -> tuple[Any, Any, bool]:
    """DejaVu Sans Bold where the system has it (accents and all), else Pillow's own
    font, which has no accented letters (the name is then written without them)."""
    from PIL import ImageFont

    try:
        return (
            ImageFont.truetype("DejaVuSans-Bold.ttf", 34),
            ImageFont.truetype("DejaVuSans-Bold.ttf", 26),
            True,
        )
    except OSError:
        return ImageFont.load_default(size=38), ImageFont.load_default(size=28), False


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def drawn_logo(name: str, colour: str, shape: str) -> bytes:
    """A PNG: the emblem (`shape`, one of SHAPES) and the name, in `colour` on white."""
    # Imported here: only the preset loader draws logos.
    from PIL import Image, ImageDraw

    title, mark, accented = _fonts()
    if not accented:
        name = _ascii(name)
    side = HEIGHT - 2 * PAD
    width = int(PAD + side + PAD + title.getlength(name) + PAD * 1.5)
    image = Image.new("RGBA", (width, HEIGHT), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, width - 1, HEIGHT - 1), radius=18, fill="white")
    box = (PAD, PAD, PAD + side, PAD + side)
    centre = (PAD + side / 2, PAD + side / 2)
    if shape == "circle":
        draw.ellipse(box, fill=colour)
    elif shape == "diamond":
        draw.polygon(_polygon(4, centre, side / 2 + 4, 0), fill=colour)
    elif shape == "hexagon":
        draw.polygon(_polygon(6, centre, side / 2 + 2, math.pi / 6), fill=colour)
    elif shape == "triangle":
        draw.polygon(
            _polygon(3, (centre[0], centre[1] + 6), side / 2 + 10, -math.pi / 2), fill=colour
        )
    else:
        draw.rounded_rectangle(box, radius=12, fill=colour)
    text_centre = (centre[0], centre[1] + (8 if shape == "triangle" else 0))
    letters = initials(name)
    if shape == "triangle":
        letters = letters[:1]
    draw.text(text_centre, letters, font=mark, fill="white", anchor="mm")
    draw.text((PAD + side + PAD, HEIGHT / 2), name, font=title, fill=colour, anchor="lm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
