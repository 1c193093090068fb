"""Phone numbers in E.164, read with the brand's country (contacts.services.normalise_phone):
"05 39 42 01 42" stored as digits before becomes +212539420142. A number that cannot be
read, or whose E.164 form another record of the brand already has, is left as it was."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, migrations, transaction


def to_e164(apps, schema_editor):
    from guichet.contacts.services import normalise_phone

    phone_model = apps.get_model("contacts", "ContactPhone")
    countries = dict(apps.get_model("brands", "Brand").objects.values_list("pk", "country"))
    for row in phone_model.objects.all().iterator():
        try:
            number = normalise_phone(row.number, countries.get(row.brand_id) or "")
        except ValidationError:
            continue
        if number == row.number:
            continue
        try:
            with transaction.atomic():
                phone_model.objects.filter(pk=row.pk).update(number=number)
        except IntegrityError:
            continue


class Migration(migrations.Migration):
    dependencies = [
        ("brands", "0001_initial"),
        ("contacts", "0004_block_ticket"),
    ]

    operations = [migrations.RunPython(to_e164, migrations.RunPython.noop, elidable=True)]
