from django.db import migrations, models


class Migration(migrations.Migration):
    """An index of the approvals in force by the time their status changed: the credential
    sweep reads what came into force since its last complete run (workflows.services.lapses,
    its watermark), instead of every approval."""

    dependencies = [
        ("registry", "0034_personal_data_consent_withdrawal"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="approval",
            index=models.Index(fields=["status_changed_at"], name="approval_approved_changed_idx",
                               condition=models.Q(status="approved")),
        ),
    ]
