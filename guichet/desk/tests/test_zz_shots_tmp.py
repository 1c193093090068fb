"""Temporary: screenshots of the panel and the preferences page with the demo (not committed)."""
import io
import re
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from guichet.accounts.models import User
from guichet.demo.loader import load_demo
from guichet.desk.tests import browser as e2e
from guichet.lib import clock
from guichet.lib.scoping import all_brands
from guichet.notify.models import StaffNotification

browser = e2e.browser
OUT = Path("/work/notes/shots-notify")


def test_shots(presets, browser, live_server, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    call_command("load_presets", stdout=io.StringIO())
    load_demo(now=clock.now(), per_brand=24)
    user = User.objects.get(username="ej-agent")
    with all_brands():
        counts = {}
        for n in StaffNotification.objects.filter(user=user):
            counts[n.kind] = counts.get(n.kind, 0) + 1
        print("notifications of ej-agent:", counts)
        # a threat and an abuse flag, as the conduct app will write them
        from guichet.notify.staff import notify_staff
        from guichet.tickets.models import Ticket
        from django.utils.translation import gettext_lazy as _
        t = Ticket.objects.filter(brand__slug="ej").order_by("-pk").first()
        notify_staff(t, [user], "threat", _("%(reference)s: a threat in the customer's message."), reference=t.reference)
        # half read
        ids = list(StaffNotification.objects.filter(user=user).order_by("-created_at").values_list("pk", flat=True))
        StaffNotification.objects.filter(pk__in=ids[4:]).update(read_at=clock.now())
    for language in ("fr", "en"):
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                      locale="fr-FR" if language == "fr" else "en-GB", timezone_id="America/Jamaica")
        page = context.new_page()
        page.goto(reverse("account:login"))
        page.locator("#id_username").fill("ej-agent")
        page.locator("#id_password").fill(settings.GUICHET_DEMO_PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page).not_to_have_url(re.compile("login"))
        prefix = "" if language == "fr" else "/en"
        for name, path in (("panel", "/desk/notifications/"), ("preferences", "/desk/preferences/")):
            page.goto(prefix + path)
            for width, height in ((1280, 900), (390, 844)):
                page.set_viewport_size({"width": width, "height": height})
                page.screenshot(path=str(OUT / f"{name}-{language}-{width}.png"), full_page=True)
                over = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                print(name, language, width, "overflow", over)
        context.close()
