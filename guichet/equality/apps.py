from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EqualityConfig(AppConfig):
    name = "guichet.equality"
    verbose_name = _("Equality monitoring")
