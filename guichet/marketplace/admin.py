from django.contrib import admin

from guichet.accounts.admin.scoping import BrandScopedAdmin
from guichet.accounts.permissions import Action
from guichet.marketplace.models import Seller


@admin.register(Seller)
class SellerAdmin(BrandScopedAdmin):
    view_action = Action.VIEW_TICKET
    list_display = ["name", "email", "status", "brand"]
    list_filter = ["brand", "status"]
    search_fields = ["name", "legal_name", "email"]
    readonly_fields = ["brand", "name", "email", "phone", "status", "created_at"]
