"""The WSGI and ASGI entry points (static files in front) import and answer."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_the_wsgi_entry_point_answers():
    from guichet.wsgi import application

    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    environ = Client()._base_environ(PATH_INFO="/en/desk/account/login/", REQUEST_METHOD="GET")
    body = b"".join(application(environ, start_response))
    assert statuses[0].startswith("200") and b'name="password"' in body


def test_the_asgi_entry_point_imports():
    from guichet.asgi import application

    assert callable(application)
