"""The charts are SVG documents a parser reads, images to assistive technology with a
title and a description, with every label and number written as text, the status of a
goal in words, every text escaped, and "No data" rather than an empty drawing."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from django.utils import translation

from guichet.lib.contrast import contrast_ratio
from guichet.reports import charts

NS = {"svg": "http://www.w3.org/2000/svg"}


@pytest.fixture(autouse=True)
def _english():
    """The words below are English (the charts write in the active language)."""
    with translation.override("en"):
        yield


def parsed(svg: str) -> ElementTree.Element:
    root = ElementTree.fromstring(svg)  # noqa: S314 - the charts this module draws
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def texts(svg: str) -> list[str]:
    """The words drawn (not the tooltips), in order."""
    root = parsed(svg)
    return ["".join(t.itertext()).strip() for t in root.iterfind(".//svg:text", NS)]


def described(svg: str) -> tuple[str, str]:
    root = parsed(svg)
    title, desc = root.find("svg:title", NS), root.find("svg:desc", NS)
    assert title is not None and desc is not None
    labelled = root.get("aria-labelledby", "").split()
    assert labelled == [title.get("id"), desc.get("id")]
    return title.text or "", desc.text or ""


def assert_scales(svg: str) -> None:
    """An image of a width set by its box: a viewBox, no fixed width or height."""
    root = parsed(svg)
    assert root.get("role") == "img"
    assert root.get("viewBox", "").startswith(f"0 0 {charts.WIDTH} ")
    assert root.get("width") is None and root.get("height") is None
    assert "<script" not in svg and " on" not in svg.replace(" one", "")


def test_stacked_bars_name_each_series_with_its_total_and_label_the_days():
    svg = charts.stacked_bars(
        ["1 Nov", "2 Nov", "3 Nov"],
        [charts.Series("Email", [3, 0, 2]), charts.Series("Phone", [1, 4, 0])],
        title="Tickets received per day and channel",
        ident="volumes",
    )
    assert_scales(svg)
    title, desc = described(svg)
    assert title == "Tickets received per day and channel"
    assert "Email: 5" in desc and "Phone: 5" in desc
    drawn = texts(svg)
    assert "Email (5)" in drawn and "Phone (5)" in drawn
    assert {"1 Nov", "2 Nov", "3 Nov"} <= set(drawn)
    # Few bars: each total written over its bar.
    assert drawn.count("4") >= 2 and "2" in drawn
    # One rectangle per non-zero segment, each with its value as a tooltip.
    tips = [t.text for t in parsed(svg).iterfind(".//svg:rect/svg:title", NS)]
    assert tips == ["1 Nov — Email: 3", "1 Nov — Phone: 1", "2 Nov — Phone: 4", "3 Nov — Email: 2"]


def test_many_days_write_some_labels_only_and_no_totals():
    days = [f"{n} Nov" for n in range(1, 31)]
    svg = charts.stacked_bars(days, [charts.Series("Email", list(range(30)))], title="Volumes")
    drawn = texts(svg)
    shown = [d for d in days if d in drawn]
    assert "1 Nov" in shown and 3 <= len(shown) <= 8
    assert "29" not in drawn  # the totals would overlap: they are in the tooltips


def test_a_series_with_nothing_is_left_out_of_the_legend():
    svg = charts.stacked_bars(
        ["a", "b"], [charts.Series("Email", [1, 2]), charts.Series("Chat", [0, 0])], title="T"
    )
    assert "Chat (0)" not in texts(svg)


def test_goal_bars_write_the_share_and_the_status_in_words():
    svg = charts.goal_bars(
        [
            charts.GoalBar("First response · level 1", 87.5, 90, "missed"),
            charts.GoalBar("Resolution", 95, 80, "met"),
            charts.GoalBar("Acknowledgement", 100),
        ],
        title="Deadlines met",
    )
    assert_scales(svg)
    drawn = texts(svg)
    assert "88 % · missed" in drawn
    assert "95 % · met" in drawn
    assert "100 %" in drawn
    assert {"First response · level 1", "Resolution", "Acknowledgement"} <= set(drawn)
    # The legend says what the colours and the mark mean.
    assert {"goal met", "goal missed", "goal"} <= set(drawn)
    _title, desc = described(svg)
    assert "First response · level 1: 88 % (goal 90 %, goal missed)" in desc
    assert "Resolution: 95 % (goal 80 %, goal met)" in desc
    # One goal mark per row with a goal: a line at 90 % and at 80 % of the track.
    marks = [
        line for line in parsed(svg).iterfind("svg:line", NS) if line.get("stroke-width") == "3"
    ]
    assert len(marks) == 1 + 2  # the legend's and two rows'


def test_a_long_label_wraps_instead_of_leaving_the_drawing():
    label = "First response (2 business days · opening hours) to a complaint · level 2"
    svg = charts.goal_bars([charts.GoalBar(label, 50, 40, "met")], title="T")
    lines = [t for t in texts(svg) if t and t in label]
    assert len(lines) >= 2 and " ".join(lines) == label


def test_bars_write_each_value_and_label():
    items = [("under a day", 3), ("1–3 days", 0), ("over 4 weeks", 12)]
    svg = charts.bars(items, title="Open tickets by age", colour="#ff0000")
    assert_scales(svg)
    drawn = texts(svg)
    assert {"3", "0", "12"} <= set(drawn)
    assert "under a" in drawn or "under a day" in drawn
    _title, desc = described(svg)
    assert desc == "under a day: 3; 1–3 days: 0; over 4 weeks: 12."


@pytest.mark.parametrize(
    "draw",
    [
        lambda: charts.stacked_bars([], [], title="Volumes"),
        lambda: charts.stacked_bars(["1", "2"], [charts.Series("Email", [0, 0])], title="V"),
        lambda: charts.goal_bars([], title="Deadlines"),
        lambda: charts.bars([], title="Outcomes"),
        lambda: charts.bars([("Upheld", 0), ("Withdrawn", 0)], title="Outcomes"),
    ],
)
def test_nothing_to_draw_says_no_data(draw):
    svg = draw()
    assert_scales(svg)
    assert texts(svg) == ["No data"]
    _title, desc = described(svg)
    assert desc.endswith("No data.")


def test_no_data_in_french():
    with translation.override("fr"):
        svg = charts.bars([], title="Issues")
    assert texts(svg) == ["Aucune donnée"]


def test_bad_values_count_as_zero():
    svg = charts.bars([("a", float("nan")), ("b", -3), ("c", 2)], title="T")
    assert {"0", "2"} <= set(texts(svg))
    assert "nan" not in svg.lower()


def test_every_text_is_escaped():
    evil = '<script>alert("x")</script> & "quotes"'
    for svg in (
        charts.stacked_bars([evil], [charts.Series(evil, [1])], title=evil, desc=evil),
        charts.goal_bars([charts.GoalBar(evil, 50, 60, "missed")], title=evil),
        charts.bars([(evil, 1)], title=evil),
        charts.empty(title=evil, desc=evil),
    ):
        root = parsed(svg)  # well-formed: nothing was injected
        assert root.find(".//svg:script", NS) is None and "<script>" not in svg
        assert described(svg)[0] == evil


def test_a_chart_has_an_identifier_of_its_own_for_its_title():
    first = charts.bars([("a", 1)], title="One", ident="chart-one")
    assert 'id="chart-one-title"' in first and 'id="chart-one-desc"' in first
    # Without one, two charts of different titles still differ.
    assert parsed(charts.empty(title="A")).get("aria-labelledby") != parsed(
        charts.empty(title="B")
    ).get("aria-labelledby")


def test_the_palette_starts_with_the_brand_and_leaves_out_its_look_alikes():
    colours = charts.palette("#0b6e4f", 4)
    assert colours[0] == "#0b6e4f"
    assert "#009E73" not in colours  # another green
    assert len(set(colours)) == 4
    # A pale brand colour is darkened until it stands out on white (3:1).
    assert contrast_ratio(charts.brand_colour("#ffe680"), "#ffffff") >= 3
    # No colour, or not a colour: the palette alone.
    assert charts.palette(None, 2) == list(charts.PALETTE[:2])
    assert charts.palette("teal", 2) == list(charts.PALETTE[:2])


def test_met_and_missed_read_on_white():
    assert contrast_ratio(charts.MET, "#ffffff") >= 4.5
    assert contrast_ratio(charts.MISSED, "#ffffff") >= 4.5
