from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from guichet.api.api import api
from guichet.ops.views import healthz

# Requests refused before a view reads them (a NUL character, a body over Django's limits):
# the API's JSON error or a page, with the right status (guichet.views.bad_request).
handler400 = "guichet.views.bad_request"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", RedirectView.as_view(pattern_name="desk:home", permanent=False), name="home"),
]
urlpatterns += i18n_patterns(
    path("desk/account/", include("guichet.accounts.urls")),
    path("desk/", include("guichet.desk.urls")),
    path("admin/", admin.site.urls),
    path("b/<slug:brand>/", include("guichet.portal.urls")),
    prefix_default_language=False,
)
