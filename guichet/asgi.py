"""The ASGI entry point (uvicorn): the chat's websockets (docs/chat.md), and Django's pages
with static files in front for whoever serves everything through ASGI. `guichet up` serves
the pages with gunicorn and runs uvicorn beside it for the websockets alone
(docs/architecture.md, "The web server")."""

import os
import sys

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
if not settings.configured:
    # Serving: one database connection kept for the consumers' thread
    # (settings.KEEP_DB_CONNECTION). Not when a process that has its settings already (a
    # test) imports this module: what it starts would inherit the variable.
    os.environ.setdefault("GUICHET_KEEP_DB_CONNECTION", "1")
    # The consumers' database thread waits on the database after each statement and must
    # then take the interpreter's lock back from the event loop, which keeps it up to the
    # switch interval (5 ms) while it serves the sockets: on PostgreSQL, 5 ms a statement.
    # A shorter interval hands it back sooner (docs/chat.md, "Measured").
    sys.setswitchinterval(float(os.environ.get("GUICHET_SWITCH_INTERVAL", "0.0005")))
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402 - needs Django set up
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402
from servestatic import ServeStaticASGI  # noqa: E402

from guichet.chat.consumers import StaffConsumer, VisitorConsumer  # noqa: E402
from guichet.lib.static import static_options  # noqa: E402

websockets = URLRouter(
    [
        path("chat/ws/visit/<slug:brand>/", VisitorConsumer.as_asgi()),
        path("chat/ws/staff/", AuthMiddlewareStack(StaffConsumer.as_asgi())),
    ]
)

application = ProtocolTypeRouter(
    {
        "http": ServeStaticASGI(django_application, **static_options()),
        "websocket": websockets,
    }
)
