from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "guichet.notify"
    verbose_name = _("Letters and notifications")

    def ready(self) -> None:
        from guichet.notify import reactions

        reactions.register_all()
