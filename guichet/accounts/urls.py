"""Staff sign-in and "my account": mounted at /desk/account/ (namespace "account")."""

from django.urls import path

from guichet.accounts import views

app_name = "account"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("verify/", views.verify, name="verify"),
    path("logout/", views.logout, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("two-step/", views.enrol, name="enrol"),
    path("two-step/remove/", views.remove_device, name="remove_device"),
]
