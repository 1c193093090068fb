from guichet.lib.html import html_to_text, sanitize_html, sanitize_reply, text_to_html


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


def test_text_to_html_makes_addresses_links_without_letting_markup_in():
    html = text_to_html(
        "Suivez votre demande : https://support.example/b/ej/track.\n"
        'Écrivez à aide@example.org, pas à <a href="javascript:x()">ceci</a>'
    )
    assert (
        '<a href="https://support.example/b/ej/track">https://support.example/b/ej/track</a>.'
        in html
    )
    assert '<a href="mailto:aide@example.org">aide@example.org</a>,' in html
    assert "&lt;a href=" in html and 'href="javascript' not in html


# --- an agent's formatted reply ----------------------------------------------------------------


def test_a_formatted_reply_keeps_bold_italic_lists_and_links_only():
    dirty = (
        '<p onclick="steal()" style="color:red" class="x">Bonjour <b>Zoé</b>, <i>merci</i> '
        "<strong>et</strong> <em>voici</em> :</p><ul><li>un</li></ul><ol><li>deux</li></ol>"
        '<script>alert(1)</script><style>p{}</style><img src="https://t.example/p.gif">'
        '<a href="javascript:alert(1)">piège</a> <a href="https://ej.example/faq" '
        'target="_blank" onmouseover="x()">la FAQ</a> <a href="/relative">relatif</a>'
        '<iframe src="https://evil.example">cadre</iframe><h1>Titre</h1><table><tr><td>t</td>'
        "</tr></table><!-- commentaire -->"
    )
    clean = sanitize_reply(dirty)
    for kept in ("<b>Zoé</b>", "<i>merci</i>", "<strong>et</strong>", "<em>voici</em>"):
        assert kept in clean
    assert "<ul><li>un</li></ul><ol><li>deux</li></ol>" in clean
    assert '<a href="https://ej.example/faq" rel="noopener noreferrer nofollow">la FAQ</a>' in clean
    for gone in (
        "onclick",
        "style",
        "class",
        "<script",
        "alert",
        "<img",
        "javascript:",
        "target",
        "onmouseover",
        "/relative",
        "<iframe",
        "cadre",
        "<h1",
        "<table",
        "commentaire",
    ):
        assert gone not in clean, gone
    # A link whose address was refused keeps its words; the words of stripped tags stay.
    assert "piège" in clean and "relatif" in clean and "Titre" in clean


def test_a_reply_s_text_part_writes_links_out_and_numbers_lists():
    html = (
        "<p>Bonjour <b>Zoé</b>,</p><p>Voici la marche à suivre :</p>"
        "<ol><li>ouvrez <a href='https://ej.example/compte'>votre compte</a> ;</li>"
        "<li>choisissez la commande<ul><li>celle du 3 mai</li></ul></li><li>validez.</li></ol>"
        "<ul><li>écrivez à <a href='mailto:aide@ej.example'>aide@ej.example</a></li>"
        "<li>ou voyez https://ej.example/faq : <a href='https://ej.example/faq'>"
        "https://ej.example/faq</a></li></ul><div>Cordialement,</div><div>Inès</div>"
    )
    assert html_to_text(sanitize_reply(html), links=True) == (
        "Bonjour Zoé,\n\n"
        "Voici la marche à suivre :\n\n"
        "1. ouvrez votre compte (https://ej.example/compte) ;\n"
        "2. choisissez la commande\n"
        "  - celle du 3 mai\n"
        "3. validez.\n\n"
        "- écrivez à aide@ej.example\n"
        "- ou voyez https://ej.example/faq : https://ej.example/faq\n\n"
        "Cordialement,\nInès"
    )
    # Without `links` (an email received: its text for search and previews), words only.
    assert "votre compte ;" in html_to_text(html)


def test_the_blank_lines_a_browser_s_editor_writes_make_one_paragraph_break():
    for typed in (
        "<div>Bonjour Madame,</div><div><br></div><div>Nous vérifions.</div>",
        "<p>Bonjour Madame,</p><p><br></p><p>Nous vérifions.</p>",
        "Bonjour Madame,<br><br>Nous vérifions.",
    ):
        assert html_to_text(typed, links=True) == "Bonjour Madame,\n\nNous vérifions."
