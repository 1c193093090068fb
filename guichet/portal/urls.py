"""The public side of a brand: /b/<brand>/ (namespace "portal"), inside i18n_patterns, so
/en/b/<brand>/ is the English version."""

from django.urls import path

from guichet.portal import equality_views, help_views, survey_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("contact", views.contact, name="contact"),
    path("contact/sent", views.contact_sent, name="contact_sent"),
    path("contact/sent/about-you", equality_views.equality_sent, name="equality_sent"),
    path("track", views.track, name="track"),
    path("hours", views.hours, name="hours"),
    path("help/", help_views.help_home, name="help"),
    path("help/search", help_views.help_search, name="help_search"),
    path("help/suggest", help_views.help_suggest, name="help_suggest"),
    path("help/sitemap.xml", help_views.help_sitemap, name="help_sitemap"),
    path("help/s/<slug:key>/", help_views.help_section, name="help_section"),
    path("help/a/<int:pk>-<slug:slug>", help_views.help_article, name="help_article"),
    path("help/a/<int:pk>/vote", help_views.help_vote, name="help_vote"),
    path("help/images/<int:pk>/<str:name>", help_views.help_image, name="help_image"),
    path("logo/<str:digest>.png", views.logo, name="logo"),
    path("signin/<str:token>", views.signin, name="signin"),
    path("signin", views.signin_confirm, name="signin_confirm"),
    path("signout", views.signout, name="signout"),
    path("survey/<str:token>", survey_views.survey, name="survey"),
    path("survey/<str:token>/next", survey_views.survey_follow_up, name="survey_follow_up"),
    path("signout/everywhere", views.signout_everywhere, name="signout_everywhere"),
    path("requests/", views.request_list, name="requests"),
    path("requests/my-data.json", views.my_data, name="my_data"),
    path("requests/my-data", views.my_data_page, name="data"),
    path("requests/<str:reference>/", views.request_detail, name="request"),
    path("requests/<str:reference>/reply", views.reply, name="reply"),
    path("requests/<str:reference>/escalate", views.escalate, name="escalate"),
    path("requests/<str:reference>/another-person", views.another_person, name="another_person"),
    path("requests/<str:reference>/withdraw", views.withdraw, name="withdraw"),
    path("requests/<str:reference>/close", views.close, name="close"),
    path("requests/<str:reference>/seller-contact", views.seller_contact, name="seller_contact"),
    path("requests/<str:reference>/files/<int:pk>", views.attachment, name="attachment"),
    path(
        "requests/<str:reference>/about-you",
        equality_views.equality_request,
        name="equality_request",
    ),
]
