"""The days of a ticket's full answer and of its resolution in the brand's time zone, kept
as its day received is: a year's figures per day group on them instead of converting a
hundred thousand timestamps at each page. Figures already kept get theirs from their
timestamps and the brand's time zone."""

from zoneinfo import ZoneInfo

from django.db import migrations, models


def fill(apps, schema_editor):
    fact_model = apps.get_model("reports", "TicketFact")
    zones = dict(apps.get_model("brands", "Brand").objects.values_list("pk", "timezone"))
    connection = schema_editor.connection
    for brand_id, zone in zones.items():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for day, moment in (
                    ("full_answer_on", "full_answer_at"),
                    ("resolved_on", "resolved_at"),
                ):
                    cursor.execute(
                        f"UPDATE reports_ticketfact SET {day} = ({moment} AT TIME ZONE %s)::date"  # noqa: S608
                        f" WHERE brand_id = %s AND {moment} IS NOT NULL",
                        [zone or "UTC", brand_id],
                    )
            continue
        local = ZoneInfo(zone or "UTC")
        rows = fact_model.objects.filter(brand_id=brand_id).exclude(
            full_answer_at__isnull=True, resolved_at__isnull=True
        )
        changed = []
        for fact in rows.only("pk", "full_answer_at", "resolved_at").iterator(chunk_size=2000):
            if fact.full_answer_at is not None:
                fact.full_answer_on = fact.full_answer_at.astimezone(local).date()
            if fact.resolved_at is not None:
                fact.resolved_on = fact.resolved_at.astimezone(local).date()
            changed.append(fact)
            if len(changed) == 2000:
                fact_model.objects.bulk_update(changed, ["full_answer_on", "resolved_on"])
                changed = []
        fact_model.objects.bulk_update(changed, ["full_answer_on", "resolved_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("brands", "0001_initial"),
        ("reports", "0005_facts_brand_in_composite_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticketfact",
            name="full_answer_on",
            field=models.DateField(null=True),
        ),
        migrations.AddField(
            model_name="ticketfact",
            name="resolved_on",
            field=models.DateField(null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
