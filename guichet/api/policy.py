"""/api/v1/policy: the brand's policy in force, as JSON (the TOML file's content)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from guichet.api.principal import principal
from guichet.api.schemas import ERRORS, PolicyOut, PolicyQuery
from guichet.policies.models import PolicyVersion

router = Router(tags=["policy"])


@router.get("", response={200: PolicyOut, **ERRORS}, summary="The brand's policy in force")
def read_policy(request: HttpRequest, query: Query[PolicyQuery]) -> dict[str, Any]:
    who = principal(request)
    who.require_read()
    brand = who.brand_for(query.brand)
    version = PolicyVersion.objects.filter(pk=brand.policy_id).first() if brand.policy_id else None
    return {
        "brand": brand.slug,
        "version": version.number if version else None,
        "label": version.label if version else "",
        "published_at": version.created_at if version else None,
        "policy": brand.get_policy().model_dump(mode="json"),
    }
