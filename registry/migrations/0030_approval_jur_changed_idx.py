from django.db import migrations, models


class Migration(migrations.Migration):
    """An index of approvals by jurisdiction and the time their status changed: a published
    list's page reads what left force since it was published (publication_lapsed)."""

    dependencies = [
        ("registry", "0029_offering_grade_range_message"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="approval",
            index=models.Index(fields=["jurisdiction", "status_changed_at"],
                               name="approval_jur_changed_idx"),
        ),
    ]
