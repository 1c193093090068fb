"""What telephony does when a lower layer calls on it, registered in `TelephonyConfig.ready()`:
light (the models alone), since every process loads it at start-up."""

from __future__ import annotations

from guichet.accounts.models import User
from guichet.contacts.models import Contact
from guichet.lib.scoping import brand_scope
from guichet.telephony.models import Call, Callback


def on_contacts_merged(*, kept: Contact, merged: Contact, actor: User | None, reason: str) -> None:
    """`contacts.services.on_merge`: the merged record's calls and callbacks are the kept
    record's (inside the merge's transaction)."""
    with brand_scope(kept.brand_id):
        Call.objects.filter(contact=merged).update(contact=kept)
        Callback.objects.filter(contact=merged).update(contact=kept)
