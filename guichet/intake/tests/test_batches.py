"""Processing stored mail in chunks gives exactly what processing it one message at a time
gives: the same tickets, the same threads, the same links, the same acknowledgements —
whatever the arrival order, and with two workers on PostgreSQL at once.

The corpus is bench/make_corpus.py's (realistic customer mail: replies to earlier
messages, replies from third parties, replies to acknowledgements we sent)."""

import subprocess
import sys
import threading
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.db import connection

from guichet.intake.email import content, ingest
from guichet.intake.models import InboundEmail, InboundSource, InboundState
from guichet.lib.scoping import all_brands, brand_scope
from guichet.notify.models import OutboundEmail
from guichet.tickets import services
from guichet.tickets.choices import Channel, Status
from guichet.tickets.models import Event, Message, Pause, TicketLink

from .test_ingest import mail

BENCH = Path(__file__).resolve().parents[3] / "bench"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[bytes]:
    folder = tmp_path_factory.mktemp("corpus") / "mail"
    subprocess.run(
        [sys.executable, str(BENCH / "make_corpus.py"), str(folder), "240", "--seed", "7"],
        check=True,
        capture_output=True,
    )
    return [path.read_bytes() for path in sorted(folder.iterdir())]


def outcome(brand) -> dict:
    """What a brand's inbound mail became (the tickets it made or joined), independent of
    ids and reference numbers:
    the conversations (Message-IDs grouped by ticket), the links between them, each
    message's final reason and the acknowledgements per address."""
    with brand_scope(brand):
        mail = InboundEmail.objects.filter(brand=brand)
        tickets = mail.exclude(ticket=None).values("ticket_id")
        groups: dict[int, set[str]] = defaultdict(set)
        for ticket_id, external_id in Message.objects.filter(
            direction="in", ticket_id__in=tickets
        ).values_list("ticket_id", "external_id"):
            groups[ticket_id].add(external_id)
        key = {ticket_id: frozenset(ids) for ticket_id, ids in groups.items()}
        links = {
            (key[source], key[target])
            for source, target in TicketLink.objects.values_list("source_id", "target_id")
        }
        acks = Counter(
            OutboundEmail.objects.filter(automatic=True, ticket_id__in=tickets).values_list(
                "to_address", flat=True
            )
        )
        reasons = Counter(mail.values_list("state", "reason"))
    return {
        "conversations": set(key.values()),
        "links": links,
        "acks": acks,
        "reasons": reasons,
    }


def one_at_a_time(brand, raws: list[bytes]) -> dict:
    for raw in raws:
        ingest.ingest(raw, source=InboundSource.FILE, brand=brand)
    return outcome(brand)


def in_chunks(brand, raws: list[bytes], chunk: int) -> dict:
    stored = ingest.store_many(raws, source=InboundSource.FILE, brand=brand)
    assert ingest.process_many([s.inbound.pk for s in stored], chunk=chunk) == len(raws)
    return outcome(brand)


@pytest.mark.django_db
@pytest.mark.parametrize("order", ["arrival", "reversed"])
def test_chunks_give_what_one_message_at_a_time_gives(world, corpus, order):
    raws = corpus if order == "arrival" else corpus[::-1]
    expected = one_at_a_time(world.ej, raws)
    got = in_chunks(world.jamla, raws, chunk=60)
    assert got == expected
    assert len(expected["conversations"]) < len(raws)  # replies were threaded
    assert expected["links"]  # third parties' replies opened linked tickets


@pytest.mark.django_db
def test_two_replies_to_one_ticket_in_a_chunk_are_both_threaded_in_order(world):
    raws = [
        mail(message_id="<o@exemple.fr>", body="La demande."),
        mail(
            message_id="<r1@exemple.fr>",
            body="Première relance.",
            headers={"In-Reply-To": "<o@exemple.fr>"},
        ),
        mail(
            message_id="<r2@exemple.fr>",
            body="Deuxième relance.",
            headers={"In-Reply-To": "<o@exemple.fr>"},
        ),
    ]
    stored = ingest.store_many(raws, source=InboundSource.FILE, brand=world.ej)
    ingest.process_many([s.inbound.pk for s in stored])
    with brand_scope(world.ej):
        rows = list(InboundEmail.objects.order_by("pk"))
        assert len({row.ticket_id for row in rows}) == 1
        texts = list(rows[0].ticket.messages.filter(direction="in").values_list("text", flat=True))
    assert texts == ["La demande.", "Première relance.", "Deuxième relance."]


@pytest.mark.django_db
def test_a_failing_wave_falls_back_to_one_message_at_a_time(world, monkeypatch):
    real = content.store_attachments

    def poisoned(brand, parsed):
        if parsed.subject == "poison":
            raise RuntimeError("a bug met by this message only")
        return real(brand, parsed)

    monkeypatch.setattr(content, "store_attachments", poisoned)
    raws = [
        mail(message_id="<a@exemple.fr>", subject="Colis perdu"),
        mail(message_id="<b@exemple.fr>", subject="poison"),
        mail(message_id="<c@exemple.fr>", subject="Remboursement", sender="c@exemple.fr"),
    ]
    stored = ingest.store_many(raws, source=InboundSource.FILE, brand=world.ej)
    ingest.process_many([s.inbound.pk for s in stored])
    with all_brands():
        rows = {row.header_message_id: row for row in InboundEmail.objects.all()}
    assert rows["a@exemple.fr"].state == rows["c@exemple.fr"].state == InboundState.TICKET_MESSAGE
    assert (rows["b@exemple.fr"].state, rows["b@exemple.fr"].reason) == ("quarantined", "error")
    assert "a bug met by this message only" in rows["b@exemple.fr"].detail


@pytest.mark.django_db
def test_store_many_keeps_one_row_per_message(world):
    raws = [mail(message_id="<s1@exemple.fr>"), mail(message_id="<s1@exemple.fr>")]
    first = ingest.store_many(raws, source=InboundSource.FILE, brand=world.ej)
    again = ingest.store_many(raws[:1], source=InboundSource.FILE, brand=world.ej)
    assert [s.created for s in first] == [True, False] and not again[0].created
    assert first[0].inbound.pk == first[1].inbound.pk == again[0].inbound.pk
    with all_brands():
        assert InboundEmail.objects.count() == 1


# --- the services that open and receive together -----------------------------------------------


def verbs(ticket) -> list[str]:
    with brand_scope(ticket.brand_id):
        return list(
            Event.objects.filter(ticket=ticket).order_by("pk").values_list("verb", flat=True)
        )


@pytest.mark.django_db
def test_opening_together_records_what_opening_alone_records(world):
    from guichet.contacts.services import contact_for_email

    def opening(n: int) -> services.Opening:
        contact = contact_for_email(brand=world.ej, email=f"client{n}@exemple.fr", name=f"C{n}")
        return services.Opening(
            brand=world.ej,
            contact=contact,
            contact_type="complaint",
            category="billing",
            subject=f"Réclamation {n}",
            text="Débitée deux fois.",
            channel=Channel.EMAIL,
        )

    alone = services.ticket_open(**opening(0))
    together = services.tickets_open([opening(1), opening(2)])
    assert verbs(together[0]) == verbs(together[1]) == verbs(alone)
    with brand_scope(world.ej):
        for ticket in [alone, *together]:
            ticket.refresh_from_db()
            assert ticket.acknowledged_at is not None and ticket.next_due_at is not None
            assert ticket.next_due_at == alone.next_due_at
            assert OutboundEmail.objects.filter(ticket=ticket, automatic=True).count() == 1
    references = [t.reference for t in together]
    assert references == sorted(references) and alone.reference < references[0]


@pytest.mark.django_db
def test_opening_together_counts_the_acknowledgements_of_the_batch(world):
    limit = world.ej.get_policy().intake.auto_replies_per_sender_per_hour
    opening = services.Opening(
        brand=world.ej,
        contact=world.customer,
        contact_type="question",
        subject="Question",
        text="Une question.",
        channel=Channel.EMAIL,
    )
    with brand_scope(world.ej):  # the world's ticket of this customer was acknowledged
        earlier = OutboundEmail.objects.filter(automatic=True).count()
    tickets = services.tickets_open([opening] * (limit + 2))
    with brand_scope(world.ej):
        acks = OutboundEmail.objects.filter(ticket__in=tickets, automatic=True).count()
    assert earlier == 1 and acks == limit - earlier


@pytest.mark.django_db
def test_receiving_together_reopens_resumes_and_records_like_alone(world, frozen_clock):
    def ticket(status: str):
        t = services.ticket_open(
            brand=world.ej,
            contact=world.customer,
            contact_type="question",
            subject="Q",
            text="Une question.",
            channel=Channel.EMAIL,
        )
        if status == Status.CLOSED:
            services.ticket_close(ticket=t, actor=world.agent)
        elif status == Status.WAITING_CUSTOMER:
            services.ticket_reply(
                ticket=t, actor=world.agent, text="Votre numéro ?", status_after=status
            )
        return t

    closed, waiting, fresh = (
        ticket(Status.CLOSED),
        ticket(Status.WAITING_CUSTOMER),
        ticket(Status.NEW),
    )
    frozen_clock.advance(hours=2)
    receipt = {"contact": world.customer, "text": "Voici.", "channel": Channel.EMAIL}
    messages = services.tickets_receive(
        [services.Receipt(ticket=t, **receipt) for t in (closed, waiting, fresh)]
    )
    assert [m.ticket_id for m in messages] == [closed.pk, waiting.pk, fresh.pk]
    with brand_scope(world.ej):
        for t in (closed, waiting, fresh):
            t.refresh_from_db()
            assert t.status == Status.OPEN
        assert closed.reopened_at is not None
        assert "reopened" in verbs(closed)
        assert not Pause.objects.filter(ticket=waiting, ended_at__isnull=True).exists()
    with pytest.raises(ValueError):
        services.tickets_receive([services.Receipt(ticket=fresh, **receipt)] * 2)


# --- two workers at once ---------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.timeout(300)
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_brand_give_what_one_gives(world, corpus):
    expected = one_at_a_time(world.ej, corpus)
    stored = ingest.store_many(corpus, source=InboundSource.FILE, brand=world.jamla)
    ids = [s.inbound.pk for s in stored]
    chunks = [ids[i : i + 20] for i in range(0, len(ids), 20)]
    errors: list[BaseException] = []

    def worker(mine: list[list[int]]) -> None:
        try:
            for chunk in mine:
                ingest.process_many(chunk, skip_locked=True)
        except BaseException as exc:  # reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(chunks[k::2],)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    # The same conversations, links and acknowledgements. Which evidence threaded a reply
    # depends on which of the two workers reached it first: a reply handled before the
    # message it answers threads that message "by answered" instead of itself "by header".
    assert threaded_alike(outcome(world.jamla)) == threaded_alike(expected)


def threaded_alike(found: dict) -> dict:
    reasons: Counter = Counter()
    for (state, reason), n in found["reasons"].items():
        alike = reason in ("threaded_by_header", "threaded_by_answered")
        reasons[(state, "threaded_by_header_or_answered" if alike else reason)] += n
    return {**found, "reasons": reasons}
