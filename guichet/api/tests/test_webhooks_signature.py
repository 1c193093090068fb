"""The receiver's check of `Guichet-Signature`, exactly as docs/api.md gives it."""

from __future__ import annotations

from guichet.api.tests.webhook_helpers import verify_signature
from guichet.api.webhooks.signing import signature

SECRET = "whsec_test"
BODY = '{"id":"evt_1","type":"ticket.closed","brand":"ej","note":"déjà"}'.encode()
T = 1_795_442_400


def test_a_signature_made_by_guichet_is_accepted():
    verify = verify_signature()
    assert verify(SECRET, signature(SECRET, T, BODY), BODY, now=T)
    assert verify(SECRET, signature(SECRET, T, BODY), BODY, now=T + 300)  # at the tolerance


def test_a_wrong_secret_an_altered_body_or_a_moved_timestamp_is_refused():
    verify = verify_signature()
    header = signature(SECRET, T, BODY)
    assert not verify("whsec_other", header, BODY, now=T)
    assert not verify(SECRET, header, BODY.replace(b"closed", b"opened"), now=T)
    assert not verify(SECRET, header.replace(f"t={T}", f"t={T + 60}"), BODY, now=T)


def test_an_old_or_future_request_is_refused_even_when_signed():
    verify = verify_signature()
    header = signature(SECRET, T, BODY)
    assert not verify(SECRET, header, BODY, now=T + 301)  # played again later
    assert not verify(SECRET, header, BODY, now=T - 301)


def test_malformed_headers_are_refused_not_raised():
    verify = verify_signature()
    good = signature(SECRET, T, BODY)
    v1 = good.split("v1=")[1]
    for header in ["", "garbage", f"v1={v1}", f"t=abc,v1={v1}", f"t={T}", f"t={T},t={T},v1={v1}"]:
        assert not verify(SECRET, header, BODY, now=T), header


def test_several_signatures_pass_when_one_matches():
    # Room for a secret's rotation: a receiver accepts while either secret signs.
    verify = verify_signature()
    v1 = signature(SECRET, T, BODY).split("v1=")[1]
    assert verify(SECRET, f"t={T},v1={'0' * 64},v1={v1}", BODY, now=T)
