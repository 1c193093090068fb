from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "guichet.ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        # Registers the deployment's system checks (light: settings and django.core.checks).
        from guichet.ops import checks  # noqa: F401
