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


def test_french_translations_keep_french_typography():
    """A plain space before a colon in the French catalogue is reported (`make messages`
    puts the non-breaking one)."""
    from guichet.lib.messages import _catalog

    for message in _catalog("fr"):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            assert " :" not in text and " ?" not in text and "« " not in text, message.id
    with translation.override("fr"):
        assert translation.gettext("Key:") == "Clé\u00a0:"
