"""The agent desk: /desk/ (namespace "desk")."""

from django.urls import path

from guichet.desk import (
    calls_views,
    chat_views,
    conduct_views,
    devmail,
    equality_views,
    export_views,
    kb_candidates_views,
    kb_reply,
    kb_sections,
    kb_views,
    lists,
    newticket_views,
    notifications,
    report_views,
    seller_views,
    sellers,
    views,
)

app_name = "desk"
urlpatterns = [
    path("", lists.home, name="home"),
    path("inbox/<slug:view>/", lists.inbox, name="inbox"),
    path("views/", lists.view_save, name="view_save"),
    path("views/<int:pk>/", lists.saved_view, name="saved"),
    path("views/<int:pk>/rename/", lists.view_rename, name="view_rename"),
    path("views/<int:pk>/delete/", lists.view_delete, name="view_delete"),
    path("search/", lists.search, name="search"),
    path("quarantine/", lists.quarantine, name="quarantine"),
    # A ticket opened for a customer who called, wrote or came in; calls and callbacks
    # (docs/telephony.md).
    path("tickets/new/", newticket_views.new_ticket, name="new_ticket"),
    path("tickets/new/customers/", newticket_views.customer_search, name="new_ticket_customers"),
    path("calls/", calls_views.call_log, name="calls"),
    path("calls/<int:pk>/callback/", calls_views.call_callback, name="call_callback"),
    path("callbacks/", calls_views.callback_list, name="callbacks"),
    path("callbacks/<int:pk>/done/", calls_views.callback_done, name="callback_done"),
    path("callbacks/<int:pk>/assign/", calls_views.callback_assign, name="callback_assign"),
    # The live chat's console (docs/chat.md): the page, and what it loads beside a chat.
    path("chat/", chat_views.console, name="chat"),
    path("chat/<int:pk>/customer/", chat_views.customer_panel, name="chat_customer"),
    path("chat/<int:pk>/transfer/", chat_views.transfer_form, name="chat_transfer"),
    path("chat/<int:pk>/canned/<int:reply_id>/", chat_views.canned_text, name="chat_canned"),
    # The person's notifications (the bell) and preferences.
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/count/", notifications.notification_count, name="notifications_count"),
    path("notifications/read/", notifications.notifications_read_all, name="notifications_read"),
    path("notifications/<int:pk>/", notifications.notification_open, name="notification"),
    path("preferences/", notifications.preferences, name="preferences"),
    path("held/", conduct_views.held, name="held"),
    # Equality monitoring (RP-3), for managers: figures in aggregate only.
    path("reports/equality/", equality_views.equality_report, name="equality"),
    # Exports of reports (docs/reports.md): the tickets or one KPI's table, and their record.
    path("reports/export/<slug:what>.<slug:fmt>", export_views.export, name="report_export"),
    path("reports/exports/", export_views.export_list, name="report_exports"),
    # The help centre's articles (docs/help-centre.md): writing, review, publication.
    path("help/", kb_views.article_list, name="help_articles"),
    path("help/new", kb_views.article_new, name="help_new"),
    path("help/preview", kb_views.article_preview, name="help_preview"),
    path("help/sections", kb_sections.sections, name="help_sections"),
    path("help/images/upload", kb_views.image_upload, name="help_image_upload"),
    path("help/suggest", kb_reply.suggest, name="help_suggest"),
    path("help/<int:pk>/", kb_views.article_edit, name="help_edit"),
    path("help/<int:pk>/history", kb_views.article_history, name="help_history"),
    path("help/<int:pk>/submit", kb_views.article_submit, name="help_submit"),
    path("help/<int:pk>/publish", kb_views.article_publish, name="help_publish"),
    path("help/<int:pk>/send-back", kb_views.article_send_back, name="help_send_back"),
    path("help/<int:pk>/withdraw", kb_views.article_withdraw, name="help_withdraw"),
    path("help/<int:pk>/up-to-date", kb_views.article_up_to_date, name="help_up_to_date"),
    path(
        "help/<int:pk>/translate/<str:language>",
        kb_views.article_translate,
        name="help_translate",
    ),
    path("t/<str:reference>/", views.ticket, name="ticket"),
    path("t/<str:reference>/article/", kb_reply.insert, name="help_insert"),
    path("t/<str:reference>/timeline/", views.ticket_timeline, name="timeline"),
    path("t/<str:reference>/reply/", views.reply, name="reply"),
    path("t/<str:reference>/note/", views.note, name="note"),
    path("t/<str:reference>/canned/", views.insert_canned, name="canned"),
    path("t/<str:reference>/take/", views.take, name="take"),
    path("t/<str:reference>/assign/", views.assign, name="assign"),
    path("t/<str:reference>/fields/", views.change_fields, name="fields"),
    path("t/<str:reference>/retype/", views.retype, name="retype"),
    path("t/<str:reference>/level/", views.change_level, name="level"),
    path("t/<str:reference>/close/", views.close, name="close"),
    path("t/<str:reference>/reopen/", views.reopen, name="reopen"),
    path("t/<str:reference>/identity/", views.identity, name="identity"),
    path("t/<str:reference>/order/", views.order, name="order"),
    path("t/<str:reference>/link/", views.link, name="link"),
    path("t/<str:reference>/merge/", views.merge, name="merge"),
    path("t/<str:reference>/split/", views.split, name="split"),
    path("t/<str:reference>/thank/", views.thank, name="thank"),
    path("t/<str:reference>/close-quietly/", views.close_quietly, name="close_quietly"),
    # The conduct procedure (docs/conduct.md): flags, the customer's block, referrals, and
    # whom a complaint is about.
    path("t/<str:reference>/flag/", conduct_views.flag, name="flag"),
    path("t/<str:reference>/flags/<int:pk>/", conduct_views.flag_decide, name="flag_decide"),
    path("t/<str:reference>/block/", conduct_views.block, name="block"),
    path("t/<str:reference>/lift/", conduct_views.lift, name="lift"),
    path("t/<str:reference>/refer/", conduct_views.refer, name="refer"),
    path("t/<str:reference>/concerned/", conduct_views.concerned, name="concerned"),
    path("t/<str:reference>/files/<int:pk>/", views.attachment, name="attachment"),
    # The other parties to a case: the seller (docs/marketplace.md), the return, the money.
    path("t/<str:reference>/seller/write/", seller_views.seller_write, name="seller_write"),
    path("t/<str:reference>/seller/quote/", seller_views.seller_quote, name="seller_quote"),
    path("t/<str:reference>/seller/pass-on/", seller_views.seller_pass_on, name="seller_pass_on"),
    path("t/<str:reference>/seller/strike/", seller_views.strike, name="seller_strike"),
    path("t/<str:reference>/seller/release/", seller_views.release_decide, name="release_decide"),
    path("t/<str:reference>/seller/give/", seller_views.release_give, name="release_give"),
    path("t/<str:reference>/return/", seller_views.record_return, name="record_return"),
    path("t/<str:reference>/payment/", seller_views.record_payment, name="record_payment"),
    # The sellers of the marketplaces in reach.
    path("sellers/", sellers.seller_list, name="sellers"),
    path("sellers/<int:pk>/", sellers.seller_detail, name="seller"),
    path("sellers/<int:pk>/status/", sellers.seller_status, name="seller_status"),
    path(
        "sellers/<int:pk>/strikes/<int:strike>/withdraw/",
        sellers.strike_withdraw,
        name="strike_withdraw",
    ),
    # The help centre's FAQ candidates (docs/help-centre.md), for its publishers.
    path("help/candidates", kb_candidates_views.candidate_list, name="help_candidates"),
    path(
        "help/candidates/<int:pk>/draft",
        kb_candidates_views.candidate_draft_view,
        name="help_candidate_draft",
    ),
    path(
        "help/candidates/<int:pk>/dismiss",
        kb_candidates_views.candidate_dismiss_view,
        name="help_candidate_dismiss",
    ),
    # The reports (docs/reports.md): the dashboard, and the tickets behind its numbers.
    path("reports/", report_views.dashboard_page, name="reports"),
    path("reports/tickets/", report_views.report_tickets, name="report_tickets"),
    path("reports/review.pdf", report_views.review_download, name="report_review"),
    # The development mail viewer: a 404 unless enabled (guichet/desk/devmail.py).
    path("dev/mail/", devmail.mail_list, name="devmail"),
    path("dev/mail/<str:name>/", devmail.mail_message, name="devmail_message"),
    path("dev/mail/<str:name>/raw/", devmail.mail_raw, name="devmail_raw"),
    path(
        "dev/mail/<str:name>/files/<int:index>/", devmail.mail_attachment, name="devmail_attachment"
    ),
]
