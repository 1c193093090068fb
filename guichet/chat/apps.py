from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from guichet.lib import periodic


class ChatConfig(AppConfig):
    name = "guichet.chat"
    verbose_name = _("Live chat")

    def ready(self) -> None:
        # Imported here: models and what uses them load once the apps are ready.
        from guichet.chat import reactions as chat_reactions
        from guichet.tickets import reactions
        from guichet.tickets.choices import Verb

        reactions.register_many(Verb.REPLIED, chat_reactions.replies_to_chats)
        reactions.register(Verb.CONTACT_BLOCKED, chat_reactions.contact_blocked)
        periodic.register("chat.sweep", "guichet.chat.tasks.sweep", timedelta(seconds=30))
