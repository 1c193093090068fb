from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from guichet.lib import periodic


class KnowledgeConfig(AppConfig):
    name = "guichet.knowledge"
    verbose_name = _("Help centre")

    def ready(self) -> None:
        # FAQ candidates (KB-2): once a day, every brand and language.
        periodic.register(
            "knowledge.candidates", "guichet.knowledge.tasks.find_candidates", timedelta(hours=24)
        )
        periodic.register(
            "knowledge.deflections",
            "guichet.knowledge.tasks.count_deflections",
            timedelta(minutes=5),
        )
