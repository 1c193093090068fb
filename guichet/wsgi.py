"""WSGI entry point (gunicorn and others), with static files in front."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
django_application = get_wsgi_application()

from servestatic import ServeStatic  # noqa: E402 - needs Django set up

from guichet.lib.static import static_options  # noqa: E402

application = ServeStatic(django_application, **static_options())
