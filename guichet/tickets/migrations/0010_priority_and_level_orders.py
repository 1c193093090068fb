"""The desk's "by priority" and "by level" orders of the open tickets, read from indexes
(docs/desk-performance.md): the priority's rank is an expression index, the same CASE the
desk orders by (`tickets.models.PRIORITY_RANK`)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0009_queue_rank"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                models.Case(
                    models.When(priority="urgent", then=models.Value(0)),
                    models.When(priority="high", then=models.Value(1)),
                    models.When(priority="normal", then=models.Value(2)),
                    default=models.Value(3),
                    output_field=models.PositiveSmallIntegerField(),
                ),
                models.F("next_due_at"),
                models.F("id"),
                condition=models.Q(
                    ("status__in", ["new", "open", "waiting_customer", "waiting_third_party"])
                ),
                name="ticket_priority_open",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ["new", "open", "waiting_customer", "waiting_third_party"])
                ),
                fields=["-level", "next_due_at", "id"],
                name="ticket_level_open",
            ),
        ),
    ]
