from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "guichet.portal"
    verbose_name = _("Customer portal")

    def ready(self) -> None:
        from guichet.ops import periodic
        from guichet.portal import reactions

        reactions.register_all()
        periodic.register(
            "portal.surveys", "guichet.portal.tasks.send_due_surveys", timedelta(minutes=1)
        )
