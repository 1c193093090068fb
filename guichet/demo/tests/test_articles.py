"""The demo's help centre: every preset brand has sections and published articles in
French and English (translations linked to their original), created once, and its help
centre shows them."""

from __future__ import annotations

import random
from typing import Any

import django.test
import pytest
from django.utils.html import escape

from guichet.accounts.models import Role
from guichet.conftest import make_staff, publish_preset
from guichet.demo.articles import ARTICLES, ensure_articles
from guichet.knowledge import services
from guichet.knowledge.models import Article
from guichet.lib.scoping import brand_scope

PRESETS = ["ej", "ivoire-toner", "jamla24", "jive", "respect"]


@pytest.mark.parametrize("slug", PRESETS)
def test_each_preset_brand_gets_its_articles_in_both_languages_once(
    db: Any, frozen_clock: Any, slug: str
) -> None:
    brand = publish_preset(slug)
    manager = make_staff(brand, f"{slug}-manager", Role.MANAGER)
    created = ensure_articles(brand, manager, random.Random(1))
    assert created == 2 * len(ARTICLES[slug]) >= 6
    assert ensure_articles(brand, manager, random.Random(1)) == 0  # once
    with brand_scope(brand):
        french = list(services.public_articles(brand, "fr"))
        english = list(services.public_articles(brand, "en"))
        assert len(french) == len(english) == len(ARTICLES[slug])
        assert all(a.original_id in {f.pk for f in french} for a in english)
        assert not any(services.is_stale(a) for a in english)
        assert Article.objects.filter(brand=brand, published__isnull=True).count() == 0
    page = django.test.Client().get(f"/en/b/{slug}/help/")
    assert page.status_code == 200
    assert escape(ARTICLES[slug][0].en.title) in page.content.decode()
