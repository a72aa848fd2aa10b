from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    from wugong.pilots.defaults import checklists_ensure

    checklists_ensure(apps.get_model("pilots", "Checklist"), apps.get_model("pilots", "ChecklistItem"))


class Migration(migrations.Migration):
    dependencies = [("pilots", "0001_pilot_sites")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
