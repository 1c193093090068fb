from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SellerPortalConfig(AppConfig):
    name = "guichet.sellerportal"
    verbose_name = _("Seller portal")
