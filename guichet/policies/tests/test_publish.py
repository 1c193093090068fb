import pytest

from guichet.brands.models import Brand, Team
from guichet.brands.services import PolicyConflict, policy_publish
from guichet.conftest import PRESETS, publish_preset
from guichet.lib.scoping import brand_scope
from guichet.policies.loader import PolicyInvalid
from guichet.policies.models import PolicyVersion

pytestmark = pytest.mark.django_db


def test_publishing_creates_the_brand_from_its_policy():
    brand = publish_preset("jive")
    assert (brand.slug, brand.name, brand.reference_prefix) == ("jive", "Jive Canada", "JV")
    assert (brand.timezone, brand.country, brand.subdivision) == ("America/Toronto", "CA", "ON")
    assert brand.languages == ["fr", "en"]
    assert brand.get_policy().ombudsman is not None
    with brand_scope(brand):
        assert set(Team.objects.values_list("key", flat=True)) == {"support", "senior"}


def test_publishing_the_same_text_twice_changes_nothing():
    text = (PRESETS / "ej.toml").read_text()
    first = policy_publish(text=text)
    second = policy_publish(text=text)
    assert first.changed and not second.changed
    assert second.version.pk == first.version.pk
    with brand_scope(first.brand):
        assert PolicyVersion.objects.count() == 1


def test_a_change_is_a_new_version_and_the_old_one_stays():
    text = (PRESETS / "ej.toml").read_text()
    policy_publish(text=text)
    result = policy_publish(
        text=text.replace('colour = "#0b7a3e"', 'colour = "#000000"'), note="darker"
    )
    assert result.changed and result.version.number == 2
    brand = Brand.objects.get(slug="ej")
    assert brand.colour == "#000000" and brand.policy_id == result.version.pk
    with brand_scope(brand):
        assert list(PolicyVersion.objects.values_list("number", flat=True)) == [2, 1]


def test_an_invalid_policy_is_refused_and_nothing_changes():
    publish_preset("ej")
    with pytest.raises(PolicyInvalid) as caught:
        policy_publish(
            text=(PRESETS / "ej.toml")
            .read_text()
            .replace('clock = "business_days"', 'clock = "x"', 1)
        )
    assert "clock" in str(caught.value)
    assert Brand.objects.get(slug="ej").policy.number == 1


def test_a_reference_prefix_belongs_to_one_brand():
    publish_preset("ej")
    text = (
        (PRESETS / "jive.toml")
        .read_text()
        .replace('reference_prefix = "JV"', 'reference_prefix = "EJ"')
    )
    with pytest.raises(PolicyConflict, match="already used"):
        policy_publish(text=text)
    assert not Brand.objects.filter(slug="jive").exists()
