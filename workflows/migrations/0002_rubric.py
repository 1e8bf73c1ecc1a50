"""The default expert rubric (criteria and weights are data, editable in admin)."""

from decimal import Decimal

from django.db import migrations

CRITERIA = [
    ("qualification", "办学资质", "Qualifications", Decimal("30"), 10),
    ("course-plan", "课程方案", "Course plan", Decimal("25"), 20),
    ("safety", "安全保障", "Safety", Decimal("20"), 30),
    ("price", "收费水平", "Price", Decimal("15"), 40),
    ("reputation", "社会信誉", "Reputation", Decimal("10"), 50),
]


def load(apps, schema_editor):
    RubricCriterion = apps.get_model("workflows", "RubricCriterion")
    for code, name, name_en, weight, order in CRITERIA:
        RubricCriterion.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "weight": weight,
                                 "max_score": 100, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
