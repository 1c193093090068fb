"""Writes to customer records."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Protocol

import phonenumbers
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Role, User
from guichet.accounts.permissions import Action, is_unrestricted, require, role_in
from guichet.brands.models import Brand
from guichet.contacts.models import Contact, ContactBlock, ContactEmail, ContactPhone
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def normalise_email(address: str) -> str:
    """Lower-cased, trimmed; rejects what is not an address (and header injection)."""
    value = address.strip()
    if _CONTROL.search(value):
        raise ValidationError("an email address cannot contain control characters")
    local, _, domain = value.rpartition("@")
    value = f"{local}@{domain.lower()}".lower() if local else value.lower()
    validate_email(value)
    return value


def normalise_phone(number: str, country: str = "") -> str:
    """The number in E.164 (+212539420142): read as written when it starts with + (or 00),
    else with the rules of `country` (ISO 3166, the brand's: "05 39 42 01 42" in MA).
    Rejects what cannot be a phone number, and a national number without a country."""
    value = number.strip()
    if _CONTROL.search(value):
        raise ValidationError("a phone number cannot contain control characters")
    if value.startswith("00"):
        value = "+" + value[2:]
    try:
        parsed = phonenumbers.parse(value, country.upper() or None)
    except phonenumbers.NumberParseException as error:
        if error.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise ValidationError(
                "a phone number needs its country code (+33…) here", code="phone_country"
            ) from error
        raise ValidationError("this is not a phone number", code="phone") from error
    if not phonenumbers.is_possible_number(parsed):
        raise ValidationError("this is not a possible phone number", code="phone")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def brand_phone(brand: Brand, number: str) -> str:
    """`normalise_phone` with the brand's country (its calendar's, copied on the brand)."""
    return normalise_phone(number, brand.country)


def clean_name(name: str) -> str:
    """A display name with no control characters (no header injection through names)."""
    return " ".join(_CONTROL.sub(" ", name).split())[:200]


def _contact_by(
    brand: Brand,
    model: type[ContactEmail] | type[ContactPhone],
    field: str,
    value: str,
    name: str,
    language: str,
) -> Contact:
    """The brand's contact with this address or number, created if new. Safe under
    concurrency: a second writer of the same value gets the contact the first one made."""
    with brand_scope(brand):
        existing = model.objects.select_related("contact").filter(**{field: value}).first()
        if existing:
            if field == "address" and existing.is_primary:
                existing.contact.primary_email = value  # known: spares the letters a query
            return existing.contact
        now = clock.now()
        try:
            with transaction.atomic():
                contact = Contact.objects.create(
                    brand=brand,
                    name=clean_name(name),
                    language=language,
                    created_at=now,
                    updated_at=now,
                )
                model.objects.create(
                    brand=brand, contact=contact, is_primary=True, **{field: value}
                )
                if field == "address":
                    contact.primary_email = value  # known: spares the letters a query
                return contact
        except IntegrityError:
            return model.objects.select_related("contact").get(**{field: value}).contact


def contact_for_email(*, brand: Brand, email: str, name: str = "", language: str = "") -> Contact:
    """The brand's contact with this email address (created if new)."""
    return _contact_by(brand, ContactEmail, "address", normalise_email(email), name, language)


def contact_for(
    *,
    brand: Brand,
    contact_id: int | None = None,
    email: str = "",
    phone: str = "",
    name: str = "",
    language: str = "",
) -> Contact:
    """The customer a request names, resolved the same way on every surface: the brand's
    record with this id (a merged record stands for the record it was merged into), else
    the record of this email address, else of this phone number — made if new. A record
    of another brand and an id of no record are refused alike (`not_found`); an address
    or number that is not one, or nothing to find the customer by, is refused (`contact`)."""
    if contact_id is not None:
        with brand_scope(brand):
            found = (
                Contact.objects.select_related("merged_into")
                .filter(pk=contact_id, brand=brand)
                .first()
            )
        if found is None:
            raise InvalidRequest(_("Not found."), code="not_found")
        return found.merged_into or found
    try:
        if email:
            return contact_for_email(brand=brand, email=email, name=name, language=language)
        if phone:
            return contact_for_phone(brand=brand, phone=phone, name=name, language=language)
    except ValidationError as error:
        raise InvalidRequest(
            _("This is not a valid email address or phone number."), code="contact"
        ) from error
    raise InvalidRequest(
        _("Give the customer's id, email address or phone number."), code="contact"
    )


def contacts_for_emails(*, brand: Brand, people: list[tuple[str, str, str]]) -> list[Contact]:
    """`contact_for_email` for many (address, name, language) at once, in that order: one
    query for those already known, the new ones created together. Addresses are normalised
    by the caller. If another writer creates one of them meanwhile, falls back to one at a
    time."""
    with brand_scope(brand):
        known: dict[str, Contact] = {}
        for row in ContactEmail.objects.select_related("contact").filter(
            address__in={address for address, _, _ in people}
        ):
            if row.is_primary or row.address not in known:
                known[row.address] = row.contact
                if row.is_primary:
                    row.contact.primary_email = row.address
        now = clock.now()
        new: dict[str, Contact] = {}
        for address, name, language in people:
            if address not in known and address not in new:
                new[address] = Contact(
                    brand=brand,
                    name=clean_name(name),
                    language=language,
                    created_at=now,
                    updated_at=now,
                )
        if new:
            try:
                with transaction.atomic():
                    Contact.objects.bulk_create(new.values())
                    ContactEmail.objects.bulk_create(
                        ContactEmail(brand=brand, contact=contact, address=address, is_primary=True)
                        for address, contact in new.items()
                    )
            except IntegrityError:
                return [
                    contact_for_email(brand=brand, email=address, name=name, language=language)
                    for address, name, language in people
                ]
            for address, contact in new.items():
                contact.primary_email = address
            known.update(new)
        return [known[address] for address, _, _ in people]


def contact_for_phone(*, brand: Brand, phone: str, name: str = "", language: str = "") -> Contact:
    """The brand's contact with this phone number (created if new)."""
    return _contact_by(brand, ContactPhone, "number", brand_phone(brand, phone), name, language)


def contact_add_phone(*, contact: Contact, phone: str) -> ContactPhone:
    """Give the contact this phone number (its primary one if it has none). A number the
    contact has already is returned as it is; one of another record of the brand is
    refused (`phone_taken`), so that a number never names two customers. Raises
    ValidationError for what is not a number."""
    number = brand_phone(contact.brand, phone)
    with brand_scope(contact.brand_id), transaction.atomic():
        existing = ContactPhone.objects.filter(brand_id=contact.brand_id, number=number).first()
        if existing is not None:
            if existing.contact_id != contact.pk:
                raise InvalidRequest(
                    _("This phone number is another customer's."), code="phone_taken"
                )
            return existing
        primary = not ContactPhone.objects.filter(contact=contact).exists()
        try:
            with transaction.atomic():
                return ContactPhone.objects.create(
                    brand_id=contact.brand_id, contact=contact, number=number, is_primary=primary
                )
        except IntegrityError:
            raise InvalidRequest(
                _("This phone number is another customer's."), code="phone_taken"
            ) from None


# --- blocking (docs/requirements.md AB-2) ---------------------------------------------------------


def contact_block(
    *,
    contact: Contact,
    actor: User,
    reason: str,
    ticket_id: int | None = None,
    by_policy: bool = False,
) -> ContactBlock:
    """Block a contact: from now on its messages are quarantined and never answered. Team
    leads and above may block; `by_policy`, the conduct procedure blocks when a person
    confirms an abusive message after the policy's warnings (any member of the staff who
    may confirm it). The reason is required and kept with the block, with the ticket it
    was decided on."""
    reason = reason.strip()
    if not reason:
        raise InvalidRequest(_("Give the reason for the block."), code="reason")
    brand = contact.brand
    with brand_scope(brand), transaction.atomic():
        if not by_policy:
            require(actor, Action.BLOCK, brand=brand)
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        if contact.blocked_since is not None:
            raise InvalidRequest(_("This customer is already blocked."), code="blocked")
        now = clock.now()
        block = ContactBlock.objects.create(
            brand=brand,
            contact=contact,
            blocked_at=now,
            blocked_by=actor,
            reason=reason,
            ticket_id=ticket_id,
        )
        contact.blocked_since = now
        contact.updated_at = now
        contact.save(update_fields=["blocked_since", "updated_at"])
    return block


def contact_lift_block(*, contact: Contact, actor: User, reason: str) -> ContactBlock:
    """Lift the block in force, if the actor's role may (the brand's conduct policy names
    the roles, `lift_block_roles`; administrators always may)."""
    reason = reason.strip()
    if not reason:
        raise InvalidRequest(_("Give the reason for lifting the block."), code="reason")
    brand = contact.brand
    with brand_scope(brand), transaction.atomic():
        require(actor, Action.LIFT_BLOCK, brand=brand)
        role = role_in(actor, brand)
        allowed = brand.get_policy().conduct.lift_block_roles
        if not is_unrestricted(actor) and role != Role.ADMIN and role not in allowed:
            raise PermissionDenied(Action.LIFT_BLOCK.value)
        block = (
            ContactBlock.objects.select_for_update()
            .filter(contact=contact, lifted_at__isnull=True)
            .first()
        )
        if block is None:
            raise InvalidRequest(_("This customer is not blocked."), code="not_blocked")
        now = clock.now()
        block.lifted_at, block.lifted_by, block.lift_reason = now, actor, reason
        block.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        Contact.objects.filter(pk=contact.pk).update(blocked_since=None, updated_at=now)
        contact.blocked_since = None
    return block


# --- merging two records of one customer -------------------------------------------------------


class MergeHook(Protocol):
    def __call__(
        self, *, kept: Contact, merged: Contact, actor: User | None, reason: str
    ) -> None: ...


# What the apps above customers' records do when two records of one customer become one,
# by app (`on_merge`, in their AppConfig.ready()): tickets go to the kept record, the
# portal's sign-in links too. Each runs inside the merge's transaction, in the apps' order.
merge_hooks: dict[str, MergeHook] = {}


def on_merge(app: str, hook: MergeHook) -> None:
    merge_hooks[app] = hook


def contacts_held(contacts: list[Contact]) -> list[Contact]:
    """The records tickets are about to be opened for, in that order, share-locked until
    the transaction ends (call it inside one): a merge of one of them waits for these
    openings to commit and then moves their tickets too, or the openings wait for the
    merge. A record merged since it was read (the merge committed meanwhile) is replaced by
    the record it was merged into, so no ticket lands on a merged record; a merged record
    is never locked, so a merge re-pointing it cannot wait on an opening. A record the
    caller already knew as merged is left for the caller to refuse."""
    wanted = {contact.pk for contact in contacts if contact.merged_into_id is None}
    merged_into: dict[int, int] = {}
    while wanted:
        gone = wanted - _share_locked(wanted)
        moved = {pk: into for pk, into in _merged_into(gone).items() if into is not None}
        merged_into |= moved
        wanted = set(moved.values()) - merged_into.keys()
    if not merged_into:
        return list(contacts)

    def last(pk: int) -> int:
        seen = {pk}
        while pk in merged_into and merged_into[pk] not in seen:
            pk = merged_into[pk]
            seen.add(pk)
        return pk

    kept = {
        contact.pk: contact
        for contact in Contact.objects.filter(pk__in={last(pk) for pk in merged_into})
    }
    return [
        kept[last(contact.pk)]
        if contact.merged_into_id is None and contact.pk in merged_into
        else contact
        for contact in contacts
    ]


def _share_locked(ids: set[int]) -> set[int]:
    """Those of these records not merged, share-locked on PostgreSQL (the lock conflicts
    with a merge's, not with other openings'), taken in the order of the ids as a merge
    takes its own, so the two cannot deadlock; a record a merge commits meanwhile is
    read again and left out. SQLite's transactions hold the database's write lock already."""
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    return set(_contact_rows(ids, f"AND merged_into_id IS NULL ORDER BY id{lock}"))


def _merged_into(ids: set[int]) -> dict[int, int | None]:
    return _contact_rows(ids, "") if ids else {}


def _contact_rows(ids: set[int], rest: str) -> dict[int, int | None]:
    """{id: merged_into_id} of these records (by id only: no brand scope needed)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, merged_into_id FROM {Contact._meta.db_table} WHERE id IN "  # noqa: S608 - no user input
            f"({', '.join(['%s'] * len(ids))}) {rest}",
            sorted(ids),
        )
        return dict(cursor.fetchall())


def contact_merge(
    *, keep: Contact, merge: Contact, actor: User | None, reason: str = ""
) -> Contact:
    """Merge the record `merge` into `keep`, two records of one customer of one brand
    (written to from two addresses, once by email and once by phone…), in one transaction.

    `keep` gets the tickets (each records a CONTACT_MERGED event, through the ticket
    services), the email addresses and phone numbers (its own primary ones stay primary),
    the blocks (a block in force on `merge` is in force on `keep`; if both had one, the
    merged record's is lifted with the merge's reason), and the portal's sign-in links;
    the merged record's portal sessions end. (Tickets and the portal take their part
    through the hooks registered with `on_merge`.) Its blank name or language is filled from
    `merge`. `merge` is not deleted: it keeps its name, messages and events, and is marked
    merged into `keep` (records merged into it before now point to `keep`), so its id
    still leads to the customer.

    Refused: a record of another brand (as "not found"), a record into itself, a record
    merged already (into another), a role without `merge_contacts`. Merging again into
    the same record changes nothing (a retried call)."""
    if keep.brand_id != merge.brand_id:
        # Same words as "not found": a record of another brand does not exist here.
        raise InvalidRequest(_("Not found."), code="not_found")
    if keep.pk == merge.pk:
        raise InvalidRequest(_("A customer's record cannot be merged into itself."), code="merge")
    brand = keep.brand
    reason = reason.strip()[:2000]
    with brand_scope(brand), transaction.atomic():
        if actor is not None:
            require(actor, Action.MERGE_CONTACTS, brand=brand)
        rows = {
            row.pk: row
            for row in Contact.objects.select_for_update()
            .filter(pk__in=[keep.pk, merge.pk])
            .order_by("pk")
        }
        kept, merged = rows[keep.pk], rows[merge.pk]
        if merged.merged_into_id == kept.pk:
            return kept
        if merged.merged_into_id is not None:
            raise InvalidRequest(
                _("This customer's record has already been merged into another."), code="merged"
            )
        if kept.merged_into_id is not None:
            raise InvalidRequest(
                _("The record to keep has been merged into another: merge into that one."),
                code="merged",
            )
        now = clock.now()
        for hook in merge_hooks.values():
            hook(kept=kept, merged=merged, actor=actor, reason=reason)
        for model in (ContactEmail, ContactPhone):
            moving = model.objects.filter(contact=merged)
            if model.objects.filter(contact=kept, is_primary=True).exists():
                moving.update(contact=kept, is_primary=False)
            else:
                moving.update(contact=kept)
        _merge_blocks(kept, merged, actor, reason, now)
        Contact.objects.filter(merged_into=merged).update(merged_into=kept)
        kept.name = kept.name or merged.name
        kept.language = kept.language or merged.language
        kept.updated_at = now
        kept.save(update_fields=["name", "language", "blocked_since", "updated_at"])
        merged.merged_into, merged.merged_at = kept, now
        merged.merged_by = actor if getattr(actor, "pk", None) else None
        merged.merge_reason = reason
        merged.blocked_since = None
        merged.updated_at = now
        merged.save(
            update_fields=[
                "merged_into",
                "merged_at",
                "merged_by",
                "merge_reason",
                "blocked_since",
                "updated_at",
            ]
        )
    return kept


def _merge_blocks(
    kept: Contact, merged: Contact, actor: User | None, reason: str, now: datetime
) -> None:
    """The merged record's blocks go to the kept one: the customer is one person, so a
    block in force on either is in force on them. Only one may be in force: if both
    records had one, the kept record's stays and the merged record's is lifted."""
    in_force = ContactBlock.objects.filter(contact=merged, lifted_at__isnull=True).first()
    if in_force is not None:
        if kept.blocked_since is not None:
            in_force.lifted_at = now
            in_force.lifted_by = actor if getattr(actor, "pk", None) else None
            in_force.lift_reason = reason
            in_force.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        else:
            kept.blocked_since = merged.blocked_since or in_force.blocked_at
    ContactBlock.objects.filter(contact=merged).update(contact=kept)
