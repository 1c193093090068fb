"""The policy's rank in the queue stored on the ticket (`Ticket.queue_rank`), filled from
each brand's policy in force, and the partial indexes the desk's lists read in that order
(docs/desk-performance.md)."""

import tomllib

from django.conf import settings
from django.db import migrations, models
from django.db.models import Case, Q, Value, When

OPEN_STATUSES = ["new", "open", "waiting_customer", "waiting_third_party"]
QUEUE_ORDER = ["queue_rank", "next_due_at", "created_at", "id"]


def first_in_queue(text):
    """The categories a policy's text serves first (`[[categories]] first_in_queue = true`)."""
    data = tomllib.loads(text)
    return [c["key"] for c in data.get("categories", []) if c.get("first_in_queue")]


def fill_queue_rank(apps, schema_editor):
    """One UPDATE per brand, from its policy in force (none: every ticket 1), writing only
    the tickets whose rank changes (after AddField, every ticket is 1)."""
    Brand = apps.get_model("brands", "Brand")
    Ticket = apps.get_model("tickets", "Ticket")
    for brand in Brand._base_manager.select_related("policy"):
        tickets = Ticket._base_manager.filter(brand_id=brand.pk)
        first = first_in_queue(brand.policy.text) if brand.policy_id else []
        if not first:
            tickets.exclude(queue_rank=1).update(queue_rank=1)
            continue
        served_first = Q(category__in=first)
        tickets.filter(
            (served_first & ~Q(queue_rank=0)) | (~served_first & ~Q(queue_rank=1))
        ).update(queue_rank=Case(When(served_first, then=Value(0)), default=Value(1)))


def _index(name, fields, condition):
    return migrations.AddIndex(
        model_name="ticket", index=models.Index(fields=fields, name=name, condition=condition)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("brands", "0002_initial"),
        ("contacts", "0002_contact_blocks"),
        ("marketplace", "0001_initial"),
        ("tickets", "0008_desk_indexes"),
        ("policies", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="queue_rank",
            field=models.PositiveSmallIntegerField(
                db_default=1, default=1, editable=False, verbose_name="rank in the queue"
            ),
        ),
        migrations.RunPython(fill_queue_rank, migrations.RunPython.noop, elidable=True),
        _index("ticket_queue_open", QUEUE_ORDER, Q(status__in=OPEN_STATUSES)),
        _index("ticket_queue_team", ["team", *QUEUE_ORDER], Q(status__in=OPEN_STATUSES)),
        _index(
            "ticket_queue_unassigned",
            QUEUE_ORDER,
            Q(assignee__isnull=True, status__in=OPEN_STATUSES),
        ),
        _index("ticket_queue_waiting", QUEUE_ORDER, Q(status="waiting_customer")),
        _index("ticket_queue_abusive", QUEUE_ORDER, Q(abuse_flagged_at__isnull=False)),
    ]
