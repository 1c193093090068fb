"""WCAG contrast: the ratio of known pairs, and the nearest shade that reaches 4.5:1."""

import colorsys

import pytest

from guichet.lib.contrast import AA_TEXT, WHITE, _rgb, contrast_ratio, nearest_compliant


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#767676", "#ffffff", 4.54),  # the lightest grey that passes on white
        ("#777777", "#ffffff", 4.48),
        ("#e07b00", "#ffffff", 3.0),  # Ivoire Toner's orange before this issue
        ("#0000ff", "#ffffff", 8.59),
        ("#ff0000", "#ffffff", 4.0),
    ],
)
def test_the_contrast_of_known_pairs(first: str, second: str, ratio: float) -> None:
    assert contrast_ratio(first, second) == pytest.approx(ratio, abs=0.01)
    assert contrast_ratio(second, first) == contrast_ratio(first, second)


def test_a_colour_that_passes_is_its_own_suggestion() -> None:
    assert nearest_compliant("#0b7a3e") == "#0b7a3e"


@pytest.mark.parametrize("colour", ["#e07b00", "#ff0000", "#ffff00", "#7fb3d5", "#777777"])
def test_the_suggestion_passes_keeps_the_hue_and_is_the_nearest(colour: str) -> None:
    shade = nearest_compliant(colour)
    assert contrast_ratio(shade, WHITE) >= AA_TEXT
    hue, lightness, saturation = colorsys.rgb_to_hls(*_rgb(colour))
    new_hue, new_lightness, _ = colorsys.rgb_to_hls(*_rgb(shade))
    assert new_hue == pytest.approx(hue, abs=0.01)
    assert new_lightness < lightness  # darker against white
    # Two steps of lightness back (rounding to #rrggbb takes one) fail: none nearer passes.
    red, green, blue = colorsys.hls_to_rgb(hue, new_lightness + 2 / 255, saturation)
    nearer = "#" + "".join(f"{round(c * 255):02x}" for c in (red, green, blue))
    assert contrast_ratio(nearer, WHITE) < AA_TEXT


def test_ivoire_toners_orange_becomes_a_darker_orange() -> None:
    assert nearest_compliant("#e07b00") == "#b36200"


def test_against_a_dark_colour_the_shade_is_lighter() -> None:
    shade = nearest_compliant("#333333", against="#000000")
    assert contrast_ratio(shade, "#000000") >= AA_TEXT
    assert shade > "#333333"
