"""Enter the brand scope of the person making the request, for the whole request.

Staff see the brands they hold a role in; superusers see all; anyone else sees none,
and public brand pages narrow the scope to their own brand (see `brands.views`)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from guichet.accounts.permissions import brand_ids, is_unrestricted
from guichet.lib.scoping import all_brands, brand_scope


class BrandScopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if is_unrestricted(user):
            context = all_brands()
        elif user.is_authenticated:
            context = brand_scope(brand_ids(user))
        else:
            context = brand_scope([])
        with context:
            return self.get_response(request)
