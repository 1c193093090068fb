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


def test_a_version_in_force_runs_on_when_a_newer_check_finds_fault(monkeypatch, caplog):
    """A check added by an upgrade does not stop a brand whose policy passed the checks
    of its day: the version runs as published, the finding logged, until someone
    publishes a corrected one. A text whose structure no longer parses still fails."""
    from guichet.policies import loader, registry

    brand = publish_preset("ej")
    registry.forget_all()
    monkeypatch.setattr(
        loader, "semantic_errors", lambda policy: [(("levels", 0), "a check added since")]
    )
    with caplog.at_level("WARNING", logger="guichet.policies.loader"):
        policy = Brand.objects.get(pk=brand.pk).get_policy()
    assert policy.brand.slug == "ej"
    assert "a check added since" in caplog.text and "ej v" in caplog.text
    # A new text with the fault is refused at publication, as before.
    with pytest.raises(PolicyInvalid):
        policy_publish(
            text=(PRESETS / "ej.toml").read_text().replace('colour = "#0b7a3e"', 'colour = "#000"')
        )
    registry.forget_all()
    PolicyVersion._base_manager.filter(pk=brand.policy_id).update(text="[brand]\nslug = 1\n")
    with pytest.raises(PolicyInvalid):
        Brand.objects.get(pk=brand.pk).get_policy()
