"""Default policy data: the academic-subject signals the notice names, each with why it
suggests subject tutoring, and every current category allowed at the province (360000),
which cities and counties inherit until they keep a list of their own."""

from django.db import migrations

# (word, explanation, English explanation)
SIGNALS = [
    ("语文", "语文是学科类科目，课后服务中不得开展学科类培训。",
     "Chinese language is an academic subject; subject tutoring is not allowed."),
    ("数学", "数学是学科类科目，课后服务中不得开展学科类培训。",
     "Mathematics is an academic subject; subject tutoring is not allowed."),
    ("英语", "英语是学科类科目，课后服务中不得开展学科类培训。",
     "English is an academic subject; subject tutoring is not allowed."),
    ("物理", "物理是学科类科目，课后服务中不得开展学科类培训。",
     "Physics is an academic subject; subject tutoring is not allowed."),
    ("化学", "化学是学科类科目，课后服务中不得开展学科类培训。",
     "Chemistry is an academic subject; subject tutoring is not allowed."),
    ("奥数", "奥数属于学科类竞赛培训。",
     "Olympiad mathematics is academic competition training."),
    ("作文提高", "作文提高属于语文学科类培训。",
     "Essay improvement is Chinese-language subject tutoring."),
    ("同步辅导", "同步辅导即按教材进度开展的学科类辅导。",
     "Synchronised tutoring follows the textbook: subject tutoring."),
    ("预习", "预习即提前讲授新课内容，课后服务中不得讲授新课。",
     "Previewing lessons means teaching new lessons ahead, which is forbidden."),
    ("新课", "课后服务中不得讲授新课。",
     "Teaching new lessons is forbidden in after-school service."),
]


def load(apps, schema_editor):
    AcademicSignal = apps.get_model("registry", "AcademicSignal")
    AllowedCategory = apps.get_model("registry", "AllowedCategory")
    Jurisdiction = apps.get_model("registry", "Jurisdiction")
    ServiceCategory = apps.get_model("registry", "ServiceCategory")
    for word, explanation, explanation_en in SIGNALS:
        AcademicSignal.objects.get_or_create(
            word=word, defaults={"explanation": explanation, "explanation_en": explanation_en})
    province = Jurisdiction.objects.filter(code="360000").first()
    if province is not None:
        for category in ServiceCategory.objects.all():
            AllowedCategory.objects.get_or_create(jurisdiction=province, category=category)


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_policy_screening")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
