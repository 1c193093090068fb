"""Links in emails start with SITE_URL: `guichet up` without it uses the address it serves
on, in its own process (the demo's letters) and in the processes it starts; with it, the
configured public address; a deployment without it is warned."""

from __future__ import annotations

import io
import socket
from typing import Any

import pytest
from django.core.checks.registry import registry
from django.core.management import call_command

from guichet.lib import mailfiles
from guichet.ops.checks import site_url_is_set
from guichet.ops.management.commands import up


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Started:
    """Stands for a process `up` starts: records how, and ends at once with success."""

    def __init__(self, args: list[str], *, env: dict[str, str], **kwargs: Any) -> None:
        self.args, self.env, self.returncode = args, env, 0

    def poll(self) -> int:
        return 0

    def wait(self, timeout: float | None = None) -> int:
        return 0

    def send_signal(self, signum: int) -> None:
        raise AssertionError("the process has already ended")


@pytest.fixture
def run_up(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Any:
    """`guichet up` with its commands and processes recorded instead of run: returns what
    SITE_URL was when the demo was loaded, and the processes it started."""
    monkeypatch.delenv("SITE_URL", raising=False)
    monkeypatch.delenv("GUICHET_EMAIL_DOMAIN", raising=False)
    monkeypatch.delenv("GUICHET_DEV_MAIL_VIEWER", raising=False)
    monkeypatch.setenv("GUICHET_SMTPD_PORT", str(free_port()))
    seen: dict[str, Any] = {"started": []}

    def command(name: str, *args: Any, **kwargs: Any) -> None:
        if name == "demo":
            seen["demo"] = settings.SITE_URL

    def popen(args: list[str], **kwargs: Any) -> Started:
        started = Started(args, **kwargs)
        seen["started"].append(started)
        return started

    monkeypatch.setattr(up, "call_command", command)
    monkeypatch.setattr(up.subprocess, "Popen", popen)

    def run(*args: str) -> dict[str, Any]:
        out = io.StringIO()
        call_command("up", *args, stdout=out)
        seen["printed"] = out.getvalue()
        return seen

    return run


def test_without_site_url_up_links_to_the_host_and_port_it_serves_on(
    run_up: Any, settings: Any
) -> None:
    settings.GUICHET_SITE_URL_SET = False
    settings.SITE_URL = "http://127.0.0.1:8000"
    port = free_port()
    seen = run_up("--port", str(port))
    assert seen["demo"] == f"http://127.0.0.1:{port}"
    web, worker, smtpd, chat = seen["started"]
    assert "gunicorn" in web.args and worker.args[-1] == "worker" and "smtpd" in smtpd.args
    assert "uvicorn" in chat.args and "guichet.asgi:application" in chat.args
    for child in (web, worker, smtpd, chat):
        assert child.env["SITE_URL"] == f"http://127.0.0.1:{port}"
        # Message-IDs end alike in every process (the host of the default SITE_URL).
        assert child.env["GUICHET_EMAIL_DOMAIN"] == settings.GUICHET_EMAIL_DOMAIN
        assert child.env["GUICHET_DEV_MAIL_VIEWER"] == "1"  # the desk's development mail
    assert settings.SITE_URL == "http://127.0.0.1:8000", "given back when up ends"


def test_up_says_where_the_mail_it_sends_can_be_read(
    run_up: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MAILERS = {
        "default": {"BACKEND": mailfiles.BACKEND, "OPTIONS": {"directory": str(tmp_path)}}
    }
    port = free_port()
    printed = run_up("--port", str(port))["printed"]
    assert f"http://127.0.0.1:{port}/desk/dev/mail/" in printed and str(tmp_path) in printed

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}}
    assert "/desk/dev/mail/" not in run_up("--port", str(free_port()))["printed"]


def test_every_address_is_reached_on_the_loopback_and_ipv6_in_brackets() -> None:
    assert up.local_url("0.0.0.0", 8731) == "http://127.0.0.1:8731"  # noqa: S104
    assert up.local_url("::", 8731) == "http://127.0.0.1:8731"
    assert up.local_url("::1", 8731) == "http://[::1]:8731"
    assert up.local_url("localhost", 9000) == "http://localhost:9000"


def test_a_configured_site_url_is_kept(run_up: Any, settings: Any) -> None:
    settings.GUICHET_SITE_URL_SET = True
    settings.SITE_URL = "https://support.example.com"
    seen = run_up("--port", str(free_port()))
    assert seen["demo"] == "https://support.example.com"
    assert {child.env["SITE_URL"] for child in seen["started"]} == {"https://support.example.com"}


def deploy_warnings() -> list[str]:
    return [message.id for message in site_url_is_set(None)]  # type: ignore[misc]


def test_a_deployment_without_site_url_is_warned(settings: Any) -> None:
    assert site_url_is_set in registry.get_checks(include_deployment_checks=True)
    assert site_url_is_set not in registry.get_checks(), "guichet check --deploy only"
    settings.DEBUG = False
    settings.GUICHET_SITE_URL_SET = False
    assert deploy_warnings() == ["guichet.W001"]
    settings.GUICHET_SITE_URL_SET = True
    assert deploy_warnings() == []
    settings.GUICHET_SITE_URL_SET = False
    settings.DEBUG = True
    assert deploy_warnings() == []
