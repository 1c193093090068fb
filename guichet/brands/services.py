"""Publishing a policy: the only way a brand's policy (and the brand fields copied from it)
changes. Setting the brand's logo (checked and redrawn, never stored as uploaded)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max

from guichet.brands.hooks import publish_hooks
from guichet.brands.models import Brand, BrandLogo, Team
from guichet.lib import clock
from guichet.lib.images import checked_picture
from guichet.lib.scoping import brand_scope
from guichet.lib.ttlcache import clear_all
from guichet.policies.loader import PolicyError, PolicyInvalid, load_policy
from guichet.policies.models import PolicyVersion

if TYPE_CHECKING:
    # For the annotation only: people (accounts) sit above brands.
    from guichet.accounts.models import User


class PolicyConflict(Exception):
    """The policy is valid on its own but clashes with another brand."""


@dataclass(frozen=True)
class PublishResult:
    brand: Brand
    version: PolicyVersion
    created_brand: bool
    changed: bool


@transaction.atomic
def policy_publish(
    *, text: str, source: str = "", actor: User | None = None, note: str = ""
) -> PublishResult:
    """Validate `text` and make it the policy in force of the brand it names (creating the
    brand if needed). Publishing the text already in force changes nothing."""
    result = load_policy(text, source or "<policy>")
    if not result.ok:
        raise PolicyInvalid(result)
    policy = result.policy
    assert policy is not None
    now = clock.now()

    brand = Brand.objects.select_for_update().filter(slug=policy.brand.slug).first()
    clash = Brand.objects.filter(reference_prefix=policy.brand.reference_prefix)
    if brand is not None:
        clash = clash.exclude(pk=brand.pk)
    if clash.exists():
        result.errors.append(
            PolicyError(
                ("brand", "reference_prefix"),
                None,
                f"prefix {policy.brand.reference_prefix!r} is already used by brand {clash.get().slug!r}",
            )
        )
        raise PolicyConflict(result.errors[-1].format(result.source))

    created_brand = brand is None
    if brand is None:
        brand = Brand(slug=policy.brand.slug, created_at=now)
    elif brand.policy_id is not None:
        current = PolicyVersion._base_manager.get(pk=brand.policy_id)
        if current.sha256 == result.sha256:
            return PublishResult(brand, current, created_brand=False, changed=False)

    brand.name = policy.brand.name
    brand.reference_prefix = policy.brand.reference_prefix
    brand.languages = list(policy.brand.languages)
    brand.timezone = policy.calendar.timezone
    brand.country = policy.calendar.holidays.country if policy.calendar.holidays else ""
    brand.subdivision = (
        (policy.calendar.holidays.subdivision or "") if policy.calendar.holidays else ""
    )
    brand.colour = policy.brand.colour
    brand.save()

    with brand_scope(brand):
        number = (PolicyVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        version = PolicyVersion.objects.create(
            brand=brand,
            number=number,
            label=policy.version,
            text=text,
            sha256=result.sha256,
            source=source[:200],
            note=note[:300],
            created_at=now,
            created_by=actor,
        )
        for team in policy.teams:
            Team.objects.update_or_create(
                brand=brand, key=team.key, defaults={"names": dict(team.name.root)}
            )
    brand.policy = version
    brand.save(update_fields=["policy"])
    if not created_brand:
        for hook in publish_hooks.values():
            hook(brand=brand, policy=policy)
    clear_all()  # teams, templates and addresses cached from the previous policy
    return PublishResult(brand, version, created_brand=created_brand, changed=True)


def brand_set_logo(*, brand: Brand, data: bytes) -> BrandLogo:
    """Check `data` (PNG, JPEG or WebP, by its content) and make it the brand's logo,
    redrawn as PNG; InvalidRequest says why an image is refused."""
    picture = checked_picture(data)
    with brand_scope(brand), transaction.atomic():
        logo, _created = BrandLogo.objects.update_or_create(
            brand=brand,
            defaults={
                "png": picture.png,
                "width": picture.width,
                "height": picture.height,
                "digest": hashlib.sha256(picture.png).hexdigest(),
                "updated_at": clock.now(),
            },
        )
    return logo


def brand_remove_logo(*, brand: Brand) -> None:
    with brand_scope(brand):
        BrandLogo.objects.filter(brand=brand).delete()
