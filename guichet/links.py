"""The customer's and the seller's pages as a URLconf of their own, for the addresses that letters write
into emails: `reverse(..., urlconf="guichet.links")`.

The site's URLconf (guichet/urls.py) serves these same patterns, but reversing against it
imports every view and builds the API — about a fifth of a second — in a process that
may only ingest one email and write its acknowledgement (`guichet ingest-eml`)."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

customer_patterns = [path("b/<slug:brand>/", include("guichet.portal.urls"))]
seller_patterns = [path("s/<slug:brand>/", include("guichet.sellerportal.urls"))]

urlpatterns = i18n_patterns(*customer_patterns, *seller_patterns, prefix_default_language=False)
