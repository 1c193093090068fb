"""Phone numbers in E.164, read with the brand's country: one customer whatever way the
number was written (on the phone, in an SMS provider's webhook, in the desk)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from guichet.conftest import World
from guichet.contacts.services import brand_phone, contact_for_phone, normalise_phone
from guichet.lib.scoping import brand_scope


@pytest.mark.parametrize(
    ("written", "country", "e164"),
    [
        ("05 39 42 01 42", "MA", "+212539420142"),  # Jamla24's switchboard, as the seed writes it
        ("+212 6 61 40 61 36", "FR", "+212661406136"),  # + wins over the country
        ("00212 661 406 136", "", "+212661406136"),  # 00 is the international prefix
        ("866-671-0111", "US", "+18666710111"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("(876) 555-0101", "JM", "+18765550101"),
    ],
)
def test_a_number_is_read_with_the_country_and_kept_in_e164(
    written: str, country: str, e164: str
) -> None:
    assert normalise_phone(written, country) == e164


@pytest.mark.parametrize(
    ("written", "country", "code"),
    [
        ("06 12 34 56 78", "", "phone_country"),  # national, and no country to read it by
        ("12", "FR", "phone"),
        ("bonjour", "FR", "phone"),
        ("+33 6 12\n34", "FR", None),  # control characters
    ],
)
def test_what_is_not_a_number_is_refused(written: str, country: str, code: str | None) -> None:
    with pytest.raises(ValidationError) as refused:
        normalise_phone(written, country)
    if code:
        assert refused.value.code == code


@pytest.mark.django_db
def test_one_customer_however_the_number_is_written(world: World) -> None:
    world.ej.country = "JM"
    first = contact_for_phone(brand=world.ej, phone="(876) 555-0101", name="Caller")
    with brand_scope(world.ej):
        assert first.phones.get().number == "+18765550101"
    assert contact_for_phone(brand=world.ej, phone="+1 876 555 0101").pk == first.pk
    assert brand_phone(world.ej, "876.555.0101") == "+18765550101"
