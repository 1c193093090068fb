"""Every text a person reads exists in French and English."""

from django.utils import translation

from guichet.lib.messages import check
from guichet.tickets.choices import Status


def test_catalogues_are_complete_and_compiled():
    assert check() == []


def test_french_is_served():
    with translation.override("fr"):
        assert str(Status.WAITING_CUSTOMER.label) == "En attente du client"
    with translation.override("en"):
        assert str(Status.WAITING_CUSTOMER.label) == "Waiting on the customer"
