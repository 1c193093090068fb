from guichet.lib.html import html_to_text, sanitize_html, text_to_html


def test_scripts_handlers_and_styles_are_removed():
    dirty = (
        '<p onclick="steal()">Bonjour <b>Hélène</b></p><script>alert(1)</script>'
        '<style>p{}</style><a href="javascript:alert(1)">x</a><iframe src="https://evil"></iframe>'
    )
    clean = sanitize_html(dirty)
    assert "<b>Hélène</b>" in clean
    for bad in ("onclick", "<script", "alert", "<style", "javascript:", "<iframe"):
        assert bad not in clean


def test_remote_images_are_dropped_unless_allowed_but_cid_images_stay():
    html = '<img src="https://tracker.example/p.gif"><img src="cid:logo@x">'
    assert "tracker" not in sanitize_html(html)
    assert 'src="cid:logo@x"' in sanitize_html(html)
    assert "tracker" in sanitize_html(html, allow_remote_images=True)


def test_links_cannot_reach_the_opener():
    assert 'rel="noopener noreferrer nofollow"' in sanitize_html(
        '<a href="https://a.example">a</a>'
    )


def test_html_to_text_keeps_paragraphs_and_drops_scripts():
    text = html_to_text("<p>Un</p><p>Deux&nbsp;trois</p><script>x()</script><ul><li>a</li></ul>")
    assert text == "Un\n\nDeux trois\n\n- a"


def test_text_to_html_escapes():
    assert text_to_html("a < b\nc\n\nd") == "<p>a &lt; b<br>c</p><p>d</p>"
