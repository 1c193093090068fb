from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConductConfig(AppConfig):
    name = "guichet.conduct"
    verbose_name = _("Conduct")

    def ready(self) -> None:
        from guichet.conduct import services
        from guichet.contacts.services import on_merge
        from guichet.tickets import reactions
        from guichet.tickets.choices import Verb

        # Every message a customer sends, on every channel, is read as it arrives.
        reactions.register(Verb.OPENED, services.screen)
        reactions.register(Verb.MESSAGE_RECEIVED, services.screen)
        # A topic about the staff makes a complaint about a team member (AB-3).
        reactions.register(Verb.OPENED, services.route_staff_complaint)
        reactions.register(Verb.FIELD_CHANGED, services.route_staff_complaint)
        on_merge("conduct", services.on_contacts_merged)
