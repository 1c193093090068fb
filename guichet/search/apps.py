from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "guichet.search"
    verbose_name = _("Search")

    def ready(self) -> None:
        # Imported here: what uses the models loads once the apps are ready.
        from guichet.search import sqlite

        # SQLite's triggers are reinstalled around every migrate (see guichet.search.sqlite).
        pre_migrate.connect(sqlite.pre_migrate, sender=self, dispatch_uid="search_pre_migrate")
        post_migrate.connect(sqlite.post_migrate, sender=self, dispatch_uid="search_post_migrate")
