"""The production entry point (uvicorn): Django, with static files in front."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
django_application = get_asgi_application()

from servestatic import ServeStaticASGI  # noqa: E402 - needs Django set up

from guichet.lib.static import static_options  # noqa: E402

application = ServeStaticASGI(django_application, **static_options())
