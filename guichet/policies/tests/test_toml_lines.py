import tomllib

from guichet.policies.toml_lines import key_lines, line_of

DOC = '''# comment
title = "x"   # trailing
[brand]
slug = "ej"
names = { fr = "Un", en = "One" }

[calendar.hours]
mon = ["09:00-12:00",
       "14:00-17:00"]

[[deadlines]]
kind = "a"

[[deadlines]]
kind = "b"
text = """
multi
line = "not a key"
"""
after = 1

[[levels]]
key = "one"
[levels.extra]
deep = 2

[[levels]]
key = "two"
'''


def test_every_key_has_its_line():
    tomllib.loads(DOC)  # the scanner only reads valid documents
    lines = key_lines(DOC)
    assert lines[("title",)] == 2
    assert lines[("brand", "slug")] == 4
    assert lines[("brand", "names", "en")] == 5
    assert lines[("calendar", "hours", "mon", 1)] == 9
    assert lines[("deadlines", 0, "kind")] == 12
    assert lines[("deadlines", 1)] == 14
    assert lines[("deadlines", 1, "after")] == 20
    assert ("deadlines", 1, "line") not in lines  # inside a multi-line string
    assert lines[("levels", 0, "extra", "deep")] == 25
    assert lines[("levels", 1, "key")] == 28


def test_missing_keys_point_at_their_nearest_ancestor():
    lines = key_lines(DOC)
    assert line_of(lines, ("deadlines", 1, "target")) == 14
    assert line_of(lines, ("nowhere",)) is None
