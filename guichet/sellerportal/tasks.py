"""Emailing a seller's person their sign-in link, outside the request (so the sign-in
page answers as fast whether or not an address gets one)."""

from __future__ import annotations

from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from guichet.brands.models import Brand
from guichet.lib.crypto import decrypt
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import SellerSignInLink


def brand_sender(brand: Brand) -> str:
    """The brand's own address (its email channel), as every email of the brand is sent."""
    channel = brand.get_policy().channel("email")
    return formataddr((brand.name, channel.address if channel else settings.DEFAULT_FROM_EMAIL))


@task
def send_signin_link(link_id: int, sealed: str, language: str) -> str:
    """Send the link (its secret arrives sealed with guichet.lib.crypto). Nothing is sent
    for a link used or revoked meanwhile."""
    found = SellerSignInLink._base_manager.filter(pk=link_id).values_list("brand_id", flat=True)
    if not found:
        return "gone"
    with brand_scope(found[0]):
        link = SellerSignInLink.objects.select_related("brand", "seller", "person").get(pk=link_id)
        if link.used_at or link.revoked_at:
            return "skipped"
        brand = link.brand
        languages = brand.languages or [settings.LANGUAGE_CODE]
        language = language if language in languages else brand.default_language
        with translation.override(language):
            path = reverse(
                "sellerportal:signin",
                kwargs={"brand": brand.slug, "token": decrypt(sealed)},
                urlconf="guichet.links",
            )
            context = {
                "brand_name": brand.name,
                "seller_name": link.seller.name,
                "person_name": link.person.name if link.person else "",
                "url": settings.SITE_URL + path,
                "minutes": settings.GUICHET_SELLER_LINK_MINUTES,
            }
            subject = render_to_string("sellerportal/email/signin_subject.txt", context)
            text = render_to_string("sellerportal/email/signin.txt", context)
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=text,
            from_email=brand_sender(brand),
            to=[link.address],
            headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
        )
        mailers.default.send_messages([message])
    return "sent"
