from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from guichet.lib import periodic


class PortalConfig(AppConfig):
    name = "guichet.portal"
    verbose_name = _("Customer portal")

    def ready(self) -> None:
        # Imported here: models and what uses them load once the apps are ready.
        from guichet.contacts.services import on_merge
        from guichet.portal import reactions
        from guichet.portal.services import portal_contact_merged

        reactions.register_all()
        on_merge("portal", portal_contact_merged)
        periodic.register(
            "portal.surveys", "guichet.portal.surveys.send_due_surveys", timedelta(minutes=1)
        )
