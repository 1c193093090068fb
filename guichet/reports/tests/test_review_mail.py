"""The worker's periodic review: from the first day of each brand's period in the brand's
own time zone, the review of the period just ended goes to the brand's managers and
directors — each in their language, the PDF in the brand's — through a real SMTP server,
once per brand and period however often the job runs, on however many workers; an email
that fails is retried for those who did not get it only. The clock is moved, never waited
for."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.tasks import Task
from django.utils.module_loading import import_string

from guichet.accounts.models import Role, User
from guichet.conftest import make_staff
from guichet.lib import periodic
from guichet.lib.scoping import all_brands
from guichet.notify.delivery import BACKOFF
from guichet.notify.tests.test_delivery import Recorder, free_port
from guichet.reports.models import ReviewSent
from guichet.reports.review_mail import LEASE, claim, plan, send_due_reviews
from guichet.reports.tests.pdf import text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pdf_libraries")]

# 30 November 23:30 in Jamaica (EJ), already 1 December 05:30 in Morocco (Jamla24).
JAMAICA_NOV_30 = datetime(2026, 12, 1, 4, 30, tzinfo=UTC)
# 1 December 00:30 in Jamaica.
JAMAICA_DEC_1 = datetime(2026, 12, 1, 5, 30, tzinfo=UTC)


class RefusingOnce(Recorder):
    """Answers 451 (try again later) to the first email for one address."""

    def __init__(self) -> None:
        super().__init__()
        self.refuse_once_for = ""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse_once_for and self.refuse_once_for in envelope.rcpt_tos:
            self.refuse_once_for = ""
            self.attempts += 1
            return "451 4.3.0 try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def server(settings) -> Iterator[RefusingOnce]:
    from aiosmtpd.controller import Controller

    port = free_port()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    recorder = RefusingOnce()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield recorder
    controller.stop()


@pytest.fixture
def staff(history):
    """EJ's manager (French) and director (English), a lead who gets no review; Jamla24's
    manager; everyone with an address."""
    for user, language in ((history.manager, "fr"), (history.director, "en"), (history.lead, "fr")):
        User.objects.filter(pk=user.pk).update(
            email=f"{user.username}@ej.example", language=language
        )
    history.jamla_manager = make_staff(
        history.jamla, "jmanager", Role.MANAGER, email="jmanager@jamla.example", language="fr"
    )
    return history


def to(message: EmailMessage) -> str:
    return str(message["To"]).rsplit("<", 1)[-1].rstrip(">")


def sent(server: Recorder) -> list[tuple[str, EmailMessage]]:
    return [(to(m), m) for m in server.messages()]


def attachment(message: EmailMessage) -> tuple[str, bytes]:
    (part,) = list(message.iter_attachments())
    assert part.get_content_type() == "application/pdf"
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return part.get_filename() or "", payload


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return " ".join(part.get_content().replace("\N{NO-BREAK SPACE}", " ").split())


def rows() -> list[tuple[str, str, Any, list[int]]]:
    with all_brands():
        return [
            (r.brand.slug, r.period, r.start, sorted(r.sent_to))
            for r in ReviewSent.objects.select_related("brand").filter(sent_at__isnull=False)
        ]


def test_each_brand_gets_its_review_once_from_its_first_day_in_its_time_zone(
    staff, server, frozen_clock
):
    frozen_clock.set(JAMAICA_NOV_30)
    first = send_due_reviews()

    # Already December in Morocco: Jamla24's manager has November's review; not yet in Jamaica.
    assert first == {"sent": 1}
    assert [address for address, _m in sent(server)] == ["jmanager@jamla.example"]
    filename, pdf = attachment(sent(server)[0][1])
    assert filename == "review-jamla24-2026-11.pdf"
    jamla_words = text(pdf)
    assert "Jamla24" in jamla_words and "Expérience Jamaïque" not in jamla_words
    # The brands were made on 23 November: there is no review of October to send.
    assert [(slug, start.month) for slug, _p, start, _to in rows()] == [("jamla24", 11)]

    frozen_clock.set(JAMAICA_DEC_1)
    assert send_due_reviews() == {"sent": 2}
    frozen_clock.advance(hours=3)
    assert send_due_reviews() == {}  # run again, as a restarted worker would: nothing more
    frozen_clock.set(datetime(2026, 12, 31, 12, 0, tzinfo=UTC))
    assert send_due_reviews() == {}  # the rest of the month: nothing more

    emails = dict(sent(server))
    assert sorted(emails) == ["director@ej.example", "jmanager@jamla.example", "manager@ej.example"]
    french, english = emails["manager@ej.example"], emails["director@ej.example"]
    assert str(french["Subject"]).replace("\N{NO-BREAK SPACE}", " ") == (
        "[Expérience Jamaïque] Revue mensuelle : novembre 2026"
    )
    assert "Voici la revue mensuelle de Expérience Jamaïque pour novembre 2026" in body(french)
    assert str(english["Subject"]) == "[Expérience Jamaïque] Monthly review: November 2026"
    assert (
        "Here is the monthly review of Expérience Jamaïque for November 2026 (Nov. 1, 2026 to "
        "Nov. 30, 2026), attached as PDF: review-ej-2026-11.pdf." in body(english)
    )
    # The same PDF for both, in the brand's language (French), with EJ's figures only.
    assert attachment(french) == attachment(english)
    words = text(attachment(english)[1])
    assert "REVUE MENSUELLE" in words and "3 dossiers reçus" in words and "Jamla24" not in words
    assert sorted(rows()) == [
        (
            "ej",
            "monthly",
            datetime(2026, 11, 1).date(),
            sorted([staff.manager.pk, staff.director.pk]),
        ),
        ("jamla24", "monthly", datetime(2026, 11, 1).date(), [staff.jamla_manager.pk]),
    ]


def test_a_second_worker_leaves_a_review_another_is_sending(staff, server, frozen_clock):
    now = frozen_clock.set(JAMAICA_DEC_1) or JAMAICA_DEC_1
    assert plan(now) == 2
    assert plan(now) == 0  # one row per brand and period, whoever plans it
    taken = claim(now)  # worker A takes both, then stops before sending

    assert len(taken) == 2
    assert send_due_reviews(now) == {}  # worker B, the same minute: nothing is due
    assert server.messages() == []
    assert send_due_reviews(now + LEASE) == {"sent": 3}  # A's lease over: B sends them
    assert send_due_reviews(now + 2 * LEASE) == {}


def test_a_refused_email_is_sent_again_later_to_that_person_only(staff, server, frozen_clock):
    frozen_clock.set(JAMAICA_DEC_1)
    server.refuse_once_for = "director@ej.example"

    first = send_due_reviews()

    assert first == {"sent": 2, "retry": 1}  # the manager and Jamla24's; the director later
    assert sorted(a for a, _m in sent(server)) == ["jmanager@jamla.example", "manager@ej.example"]
    with all_brands():
        waiting = ReviewSent.objects.get(brand=staff.ej)
    assert waiting.sent_at is None and waiting.sent_to == [staff.manager.pk]
    assert "451" in waiting.error
    assert send_due_reviews() == {}  # not before the back-off
    frozen_clock.advance(BACKOFF[0])
    assert send_due_reviews() == {"sent": 1}
    assert sorted(a for a, _m in sent(server)) == [
        "director@ej.example",
        "jmanager@jamla.example",
        "manager@ej.example",
    ]
    with all_brands():
        ej = ReviewSent.objects.get(brand=staff.ej)
    assert ej.sent_at is not None and ej.attempts == 2 and ej.error == ""


def test_the_worker_runs_it_as_a_periodic_job():
    (job,) = [j for j in periodic.jobs() if j.name == "reports.review"]
    assert isinstance(import_string(job.task_path), Task)
    assert job.every.total_seconds() <= 3600
