"""Emailing sign-in links, outside the request (so the tracking page answers as fast
whether or not it sent one)."""

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
from guichet.portal.models import SignInLink


def brand_sender(brand: Brand) -> str:
    channel = brand.get_policy().channel("email")
    return formataddr((brand.name, channel.address if channel else settings.DEFAULT_FROM_EMAIL))


@task
def send_signin_link(link_id: int, sealed: str, language: str) -> str:
    """Send the link (its secret arrives sealed with guichet.lib.crypto: the task's
    arguments are stored in the database until it runs)."""
    brand_id = SignInLink._base_manager.filter(pk=link_id).values_list("brand_id", flat=True)
    if not brand_id:
        return "gone"
    with brand_scope(brand_id[0]):
        link = SignInLink.objects.select_related("brand", "contact").get(pk=link_id)
        if link.used_at or link.revoked_at:
            return "skipped"
        brand = link.brand
        languages = brand.languages or ["fr"]
        language = language if language in languages else brand.default_language
        with translation.override(language):
            path = reverse("portal:signin", kwargs={"brand": brand.slug, "token": decrypt(sealed)})
            context = {
                "brand_name": brand.name,
                "customer_name": link.contact.name,
                "url": settings.SITE_URL + path,
                "minutes": settings.GUICHET_PORTAL_LINK_MINUTES,
            }
            subject = " ".join(render_to_string("portal/email/signin_subject.txt", context).split())
            text = render_to_string("portal/email/signin.txt", context)
        sender = brand_sender(brand)
        message = EmailMultiAlternatives(
            subject=subject,
            body=text,
            from_email=sender,
            to=[link.address],
            headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
        )
        mailers.default.send_messages([message])
    return "sent"
