"""What the customer's portal, the seller portal and the desk share in their forms and
redirects: a field of several files, and the check of a `next` page a visitor sends."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.http import HttpRequest
from django.urls import Resolver404, ResolverMatch, resolve
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe); `accept` tells the
    browser's file picker which types are taken."""

    def __init__(self, *, accept: str = "", **kwargs: Any) -> None:
        attrs = {"accept": accept} if accept else {}
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def local_page(
    request: HttpRequest,
    value: str,
    *,
    languages: Iterable[str],
    allowed: Callable[[ResolverMatch], bool],
) -> str:
    """`value` if it is the path of a page of this site that `allowed` accepts (resolved in
    each of `languages`: `/b/…` and `/en/b/…` each resolve in their own), else "" — never
    another host, a scheme, a backslash trick or a page `allowed` refuses."""
    if (
        not value
        or "\\" in value
        or not url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return ""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return ""
    for language in languages:
        with translation.override(language):
            try:
                match = resolve(parts.path)
            except Resolver404:
                continue
        if allowed(match):
            return parts.path
    return ""
