"""The widget's addresses over HTTP: /chat/<brand>/… (namespace "chat"), outside
i18n_patterns — a company's page names one address whatever its language, and the widget
says which language it speaks. The websockets are /chat/ws/… (guichet.asgi)."""

from django.urls import path

from guichet.chat import views

app_name = "chat"
urlpatterns = [
    path("<slug:brand>/widget.js", views.widget_js, name="widget"),
    path("<slug:brand>/upload", views.upload, name="upload"),
    path("<slug:brand>/suggest", views.suggest, name="suggest"),
    path("<slug:brand>/try/", views.preview, name="preview"),
]
