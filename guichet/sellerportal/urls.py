"""The seller portal of a marketplace brand: /s/<brand>/ (namespace "sellerportal"),
inside i18n_patterns, so /en/s/<brand>/ is the English version. The emails to sellers
link to these paths (`reverse(..., urlconf="guichet.links")`)."""

from django.urls import path

from guichet.sellerportal import views

app_name = "sellerportal"
urlpatterns = [
    path("", views.dispute_list, name="home"),
    path("signin", views.signin_ask, name="signin_ask"),
    path("signin/<str:token>", views.signin, name="signin"),
    path("signout", views.signout, name="signout"),
    path("disputes/<str:reference>/", views.dispute_detail, name="dispute"),
    path("disputes/<str:reference>/answer", views.answer, name="answer"),
    path("disputes/<str:reference>/files/<int:pk>", views.attachment, name="attachment"),
]
