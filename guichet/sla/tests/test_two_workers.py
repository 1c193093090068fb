"""Scenario 5: two worker processes sweeping the same due deadlines act exactly once on each."""

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Count

from guichet.conftest import database_url, publish_preset
from guichet.contacts.services import contact_for_email
from guichet.lib.scoping import brand_scope
from guichet.sla.models import Deadline
from guichet.tickets.models import Event, Ticket

AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
N = 10_000


def make_due_tickets(n: int):
    """Test set-up only: bulk rows stand for n tickets whose first response is overdue
    (the service layer would take minutes to open 10,000 tickets one by one)."""
    brand = publish_preset("jamla24")
    contact = contact_for_email(brand=brand, email="load@exemple.ma")
    received = AT - timedelta(hours=6)
    with brand_scope(brand):
        tickets = Ticket.objects.bulk_create(
            Ticket(
                brand=brand,
                reference=f"JM-26-L{i:06d}",
                contact_type="question",
                channel="email",
                subject=f"load {i}",
                language="fr",
                contact=contact,
                created_at=received,
                updated_at=received,
                level_started_at=received,
            )
            for i in range(n)
        )
        Deadline.objects.bulk_create(
            Deadline(
                brand=brand,
                ticket=t,
                kind="first_response",
                rule="deadlines[1]",
                clock="business_hours",
                target="4h",
                started_at=received,
                due_at=AT - timedelta(hours=1),
                next_action_at=AT - timedelta(hours=1),
            )
            for t in tickets
        )
    return brand


@pytest.mark.postgres
@pytest.mark.timeout(600)
@pytest.mark.django_db(transaction=True)
def test_two_workers_act_exactly_once_on_each_due_deadline():
    brand = make_due_tickets(N)
    env = {**os.environ, "DATABASE_URL": database_url()}
    command = [sys.executable, "-m", "guichet", "sla", "sweep", "--at", AT.isoformat()]
    workers = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [w.communicate(timeout=580) for w in workers]
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    breached = [
        int(m.group(1)) if (m := re.search(r"breached: (\d+)", out)) else 0 for out, _ in outputs
    ]
    assert sum(breached) == N
    assert min(breached) > 0, "both workers must have taken part"
    with brand_scope(brand):
        assert not Deadline.objects.filter(breached_at__isnull=True).exists()
        per_ticket = (
            Event.objects.filter(verb="deadline_breached")
            .values("ticket")
            .annotate(n=Count("id"))
            .values_list("n", flat=True)
        )
        assert len(per_ticket) == N and set(per_ticket) == {1}
