"""Approval.case becomes a plain case id: the domain no longer depends on viewflow's tables.

The foreign key's column (case_id) keeps its values: the field is altered in place to a
number with the same column, then renamed in the model state only.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0012_consent_and_invitations"),
    ]

    operations = [
        migrations.AlterField(
            model_name="approval",
            name="case",
            field=models.PositiveBigIntegerField(
                blank=True, db_column="case_id", null=True, verbose_name="case"),
        ),
        migrations.RenameField(model_name="approval", old_name="case", new_name="case_id"),
        migrations.AlterField(
            model_name="approval",
            name="case_id",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="case"),
        ),
    ]
