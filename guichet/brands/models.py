"""A brand is one organisation on the installation, with its policy and its people."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from guichet.lib.scoping import BrandScopedManager
from guichet.lib.ttlcache import TTLCache, ttl_cache

if TYPE_CHECKING:
    from guichet.policies.schema import Policy


class Brand(models.Model):
    """Fields below `name` are copied from the policy in force when it is published, so
    they can be queried; the policy itself stays the source of truth."""

    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    reference_prefix = models.CharField(_("reference prefix"), max_length=6, unique=True)
    languages = models.JSONField(_("languages"), default=list)
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    country = models.CharField(_("holiday country"), max_length=2, blank=True)
    subdivision = models.CharField(_("holiday subdivision"), max_length=10, blank=True)
    colour = models.CharField(_("colour"), max_length=7, default="#1f4e79")
    policy = models.ForeignKey(
        "policies.PolicyVersion",
        verbose_name=_("policy in force"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        _brands.clear()

    @property
    def default_language(self) -> str:
        return self.languages[0] if self.languages else "fr"

    def get_policy(self) -> Policy:
        # Imported at the first policy read, not with the models: the policy schema
        # (pydantic) is start-up time for the commands that never read one.
        from guichet.policies.registry import policy_version

        if self.policy_id is None:
            raise LookupError(f"brand {self.slug!r} has no policy in force")
        return policy_version(self.policy_id, f"{self.slug} v{self.policy_id}")


_brands: TTLCache[Brand] = ttl_cache(10)


def cached_brand(brand_id: int) -> Brand:
    """A brand read at most every 10 seconds per process (the email channel reads it for
    every message); saving a brand or publishing a policy clears it here at once. Read
    only: change a brand through a fresh instance."""
    return _brands.get(brand_id, lambda: Brand._base_manager.get(pk=brand_id))


_team_ids: TTLCache[int | None] = ttl_cache(60)


def team_id_for(brand_id: int, key: str) -> int | None:
    """The id of a brand's team by its policy key (cached a minute: teams change only when a
    policy is published, which clears the cache)."""

    def find() -> int | None:
        return (
            Team._base_manager.filter(brand_id=brand_id, key=key)
            .values_list("pk", flat=True)
            .first()
        )

    return _team_ids.get((brand_id, key), find)


class Team(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="teams")
    key = models.SlugField(_("key"), max_length=40)
    names = models.JSONField(_("names"), default=dict, help_text=_("Name per language."))

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["brand", "key"]
        constraints = [models.UniqueConstraint(fields=["brand", "key"], name="team_unique_key")]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self, lang: str | None = None) -> str:
        lang = lang or get_language() or "fr"
        return self.names.get(lang) or next(iter(self.names.values()), self.key)


class BrandLogo(models.Model):
    """The brand's logo as the portal shows it: an upload checked and redrawn as PNG
    (`guichet.lib.images`), set through `brands.services.brand_set_logo`. Its digest
    names the address it is served at, so a new logo is a new address."""

    brand = models.OneToOneField(
        Brand, on_delete=models.CASCADE, primary_key=True, related_name="logo"
    )
    png = models.BinaryField(_("image (PNG)"))
    width = models.PositiveSmallIntegerField(_("width"))
    height = models.PositiveSmallIntegerField(_("height"))
    digest = models.CharField(_("SHA-256"), max_length=64)
    updated_at = models.DateTimeField(_("updated"))

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("logo")
        verbose_name_plural = _("logos")

    def __str__(self) -> str:
        return f"{self.brand_id}: {self.width}×{self.height}"
