from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from guichet.lib import periodic


class KnowledgeConfig(AppConfig):
    name = "guichet.knowledge"
    verbose_name = _("Help centre")

    def ready(self) -> None:
        periodic.register(
            "knowledge.deflections",
            "guichet.knowledge.tasks.count_deflections",
            timedelta(minutes=5),
        )
