"""Evaluations on the rubric (issue 20, point 3): a score per item and the satisfaction
they give, in percent. Ratings given before the rubric keep their one overall score: their
satisfaction is that score's share of 5."""

import django.core.validators
from django.db import migrations, models
from django.db.models import F


def percent_from_overall(apps, schema_editor):
    Evaluation = apps.get_model("registry", "Evaluation")
    Evaluation.objects.update(percent=F("satisfaction") * 20)


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0018_after_approval_requery_reminders_renewals"),
    ]

    operations = [
        migrations.AddField(
            model_name="evaluation",
            name="scores",
            field=models.JSONField(blank=True, default=dict, verbose_name="scores on the rubric"),
        ),
        migrations.AddField(
            model_name="evaluation",
            name="percent",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=5,
                validators=[django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(100)],
                verbose_name="satisfaction (%)"),
            preserve_default=False,
        ),
        migrations.RunPython(percent_from_overall, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="evaluation",
            constraint=models.CheckConstraint(
                condition=models.Q(("percent__gte", 0), ("percent__lte", 100)),
                name="evaluation_percent_range"),
        ),
    ]
