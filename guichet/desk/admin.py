from django.contrib import admin

from guichet.accounts.admin.scoping import BrandScopedAdmin
from guichet.accounts.permissions import Action
from guichet.desk.models import CannedReply


@admin.register(CannedReply)
class CannedReplyAdmin(BrandScopedAdmin):
    view_action = Action.REPLY
    change_action = Action.MANAGE_REPLIES
    add_action = Action.MANAGE_REPLIES
    delete_action = Action.MANAGE_REPLIES
    list_display = ["title", "language", "brand", "is_active", "updated_at"]
    list_filter = ["brand", "language", "is_active"]
    search_fields = ["title", "body"]
    fields = ["brand", "language", "title", "body", "is_active"]
