from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from guichet.lib import periodic


class ChannelsConfig(AppConfig):
    name = "guichet.channels"
    verbose_name = _("SMS and social channels")

    def ready(self) -> None:
        # Imported here: models and what uses them load once the apps are ready.
        from guichet.channels import inbound, outbound, services
        from guichet.channels.providers import cti, meta
        from guichet.channels.providers.twilio import Twilio
        from guichet.contacts.services import on_merge
        from guichet.tickets import reactions
        from guichet.tickets.choices import Verb

        inbound.register_adapter(Twilio())
        for adapter in meta.ADAPTERS:
            inbound.register_adapter(adapter)
        # A telephone system's call events (Zammad's generic CTI push): the telephony's calls.
        inbound.register_adapter(cti.Cti())
        inbound.handle("call", cti.handle_call)
        reactions.register_many(Verb.REPLIED, outbound.queue_replies)
        on_merge("channels", services.handles_follow_merge)
        periodic.register(
            "channels.send", "guichet.channels.tasks.send_outbox", timedelta(seconds=10)
        )
        periodic.register(
            "channels.pending", "guichet.channels.tasks.process_pending", timedelta(minutes=1)
        )
