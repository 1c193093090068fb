"""Whether a brand's chat widget runs, and which sites may embed it (docs/chat.md, "The
widget").

A widget runs for an active brand whose policy in force offers the `chat` channel, unless
its administrators turned it off (`ChatWidget.is_enabled`): `widget_brand`.

A browser names the page's site in the `Origin` header ("https://www.example.com"): the
websocket refuses a connection from a site the brand has not listed, and the upload
answers with CORS headers only for the sites listed. Guichet's own site (SITE_URL: the
portal, the preview page) always may; the brand's `ChatWidget` lists the others, one
origin per line."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from guichet.brands.models import Brand
from guichet.chat.models import ChatWidget
from guichet.lib.scoping import brand_scope

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise(origin: str) -> str | None:
    """`scheme://host[:port]` in lower case, the default port left out; None when `origin`
    is not an http(s) origin (a path, user info, "null" from a sandboxed frame…)."""
    text = origin.strip().rstrip("/").lower()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.path or parts.query or parts.fragment or "@" in parts.netloc:
        return None
    host = parts.hostname
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


def widget_brand(slug: str) -> Brand | None:
    """The brand whose widget `slug` names, if its widget runs."""
    brand = Brand.objects.filter(slug=slug, is_active=True, policy__isnull=False).first()
    if brand is None or brand.get_policy().channel("chat") is None:
        return None
    with brand_scope(brand):
        turned_off = ChatWidget.objects.filter(brand=brand, is_enabled=False).exists()
    return None if turned_off else brand


def site_origin() -> str:
    """Guichet's own site, as a browser names it in `Origin`."""
    origin = normalise(urlsplit(settings.SITE_URL)._replace(path="", query="").geturl())
    return origin or ""


def allowed_origins(brand: Brand) -> list[str]:
    """Every origin that may embed `brand`'s widget: Guichet's own site first."""
    with brand_scope(brand):
        widget = ChatWidget.objects.filter(brand=brand).first()
    listed = widget.origins() if widget is not None else []
    origins = [site_origin()]
    for line in listed:
        origin = normalise(line)
        if origin is not None and origin not in origins:
            origins.append(origin)
    return origins


def origin_allowed(brand: Brand, origin: str | None) -> bool:
    """Whether a page of `origin` (the request's `Origin` header) may use `brand`'s widget."""
    if not origin:
        return False
    wanted = normalise(origin)
    return wanted is not None and wanted in allowed_origins(brand)
