from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from guichet.api.api import api
from guichet.channels.views import webhook
from guichet.chat.downloads import chat_file
from guichet.links import customer_patterns, seller_patterns
from guichet.ops.views import healthz
from guichet.views import favicon

# Every app's admin.py, which Guichet's AdminConfig does not load at start-up (guichet/apps.py).
admin.autodiscover()

# Requests refused before a view reads them (a NUL character, a body over Django's limits):
# the API's JSON error or a page, with the right status (guichet.views.bad_request).
handler400 = "guichet.views.bad_request"
handler404 = "guichet.views.not_found"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    # SMS, social networks, telephony: each channel account's webhook (docs/channels.md).
    path("channels/<slug:provider>/<str:token>/", webhook, name="channel_webhook"),
    path("chat/<slug:brand>/files/<str:token>/", chat_file, name="chat_file"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", RedirectView.as_view(pattern_name="desk:home", permanent=False), name="home"),
    # Browsers ask for /favicon.ico on pages that name no icon (the API's, a bare error page).
    path("favicon.ico", favicon),
    # The chat widget's script, uploads and preview page (docs/chat.md, "The widget").
    path("chat/", include("guichet.chat.urls")),
]
urlpatterns += i18n_patterns(
    path("desk/account/", include("guichet.accounts.urls")),
    path("desk/", include("guichet.desk.urls")),
    path("admin/", admin.site.urls),
    *customer_patterns,  # /b/<brand>/, also reversed on their own (guichet/links.py)
    *seller_patterns,  # /s/<brand>/, the seller portal (the same)
    prefix_default_language=False,
)
