"""Colour contrast as WCAG 2 measures it, and the nearest shade of a colour that passes.

A brand's colour is drawn as text and links on white and as the background of white text
(the portal's header and buttons): both are the contrast of the colour with white, which
must be at least 4.5:1 (WCAG 2.2, 1.4.3, level AA, for text of any size).
"""

from __future__ import annotations

import colorsys

AA_TEXT = 4.5
WHITE = "#ffffff"


def _rgb(colour: str) -> tuple[float, float, float]:
    """#rrggbb as three channels in 0..1."""
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return (int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255)


def _hex(red: float, green: float, blue: float) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in (red, green, blue))


def relative_luminance(colour: str) -> float:
    """WCAG's relative luminance of an sRGB colour (0 for black, 1 for white)."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in _rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """From 1 (the same) to 21 (black on white), whichever is lighter."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def nearest_compliant(colour: str, against: str = WHITE, minimum: float = AA_TEXT) -> str:
    """The shade of `colour` (its hue and saturation kept, its lightness moved as little as
    possible) whose contrast with `against` is at least `minimum`: darker against a light
    colour, lighter against a dark one. `colour` itself when it already passes."""
    if contrast_ratio(colour, against) >= minimum:
        return colour
    hue, lightness, saturation = colorsys.rgb_to_hls(*_rgb(colour))
    darken = relative_luminance(against) > 0.5
    # Lightness moves contrast one way only: search it by halves, then walk the last
    # steps on the rounded hex value (rounding may lose a hundredth of a ratio).
    low, high = (0.0, lightness) if darken else (lightness, 1.0)
    for _ in range(40):
        middle = (low + high) / 2
        shade = _hex(*colorsys.hls_to_rgb(hue, middle, saturation))
        passes = contrast_ratio(shade, against) >= minimum
        if darken:
            low, high = (middle, high) if passes else (low, middle)
        else:
            low, high = (low, middle) if passes else (middle, high)
    found = low if darken else high
    step = -1 / 255 if darken else 1 / 255
    shade = _hex(*colorsys.hls_to_rgb(hue, found, saturation))
    while contrast_ratio(shade, against) < minimum:
        found += step
        shade = _hex(*colorsys.hls_to_rgb(hue, found, saturation))
    return shade
