from django.db import migrations


def holds_for_open_recertifications(apps, schema_editor):
    """The suspended approvals waiting for a re-certification are held for their expired
    credential (registry.models.holds), so that lifting another cause does not put them
    back in force before the renewal is verified."""
    RecertificationProcess = apps.get_model("workflows", "RecertificationProcess")
    ApprovalHold = apps.get_model("registry", "ApprovalHold")
    ids = (RecertificationProcess.objects.filter(outcome="open",
                                                 approval__status="suspended")
           .values_list("approval_id", flat=True).distinct())
    ApprovalHold.objects.bulk_create(
        [ApprovalHold(approval_id=pk, cause="credential",
                      reason="held since before holds were recorded") for pk in ids],
        ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0028_approval_holds"),
        ("workflows", "0014_cor_partner_opinions"),
    ]

    operations = [
        migrations.RunPython(holds_for_open_recertifications, migrations.RunPython.noop),
    ]
