"""The catalogue of document types (DOMAIN.md lists the evidence for each kind).

Admins may edit it afterwards; this only seeds it, and leaves rows alone on reverse
if documents already point at them.
"""

from django.db import migrations

# (code, name, English name, subject, registration kinds, person kinds, required,
#  expires, default validity in months, sort order)
TYPES = [
    ("business_licence", "营业执照", "Business licence", "organization", ["company"], [],
     True, True, None, 10),
    ("nonprofit_registration", "民办非企业单位登记证书",
     "Private non-enterprise unit registration certificate", "organization", ["non_profit"], [],
     True, True, None, 11),
    ("institution_certificate", "事业单位法人证书", "Public institution legal person certificate",
     "organization", ["public_institution"], [], True, True, None, 12),
    ("operating_licence", "办学许可证", "School operating licence", "organization", [], [],
     True, True, None, 20),
    ("safety_plan", "安全预案", "Safety plan", "organization", [], [], True, False, None, 30),
    ("liability_insurance", "责任保险", "Liability insurance", "organization", [], [],
     True, True, 12, 40),
    ("fee_schedule", "收费标准", "Fee schedule", "organization", [], [], True, False, None, 50),
    ("venue_proof", "场地证明", "Proof of venue", "organization", [], [], True, False, None, 60),
    ("id_card", "身份证", "Resident ID card", "person", [], [], True, True, None, 10),
    ("no_criminal_record", "无犯罪记录证明", "No-criminal-record certificate", "person", [], [],
     True, True, 12, 20),
    ("offence_query", "入职查询结果", "Pre-engagement offence record query result", "person",
     [], [], True, True, 12, 30),
    ("health_certificate", "健康证明", "Health certificate", "person", [], [], True, True, 12, 40),
    ("query_consent", "知情同意书", "Signed consent to the record query", "person", [], [],
     True, False, None, 50),
    ("retirement_certificate", "退休证", "Retirement certificate", "person", [], ["retiree"],
     True, False, None, 60),
    ("teacher_certificate", "教师资格证", "Teacher qualification certificate", "person", [],
     ["retiree"], True, False, None, 61),
    ("student_card", "学生证", "Student card", "person", [], ["student"], True, True, None, 62),
    ("university_recommendation", "学校推荐函", "University recommendation letter", "person",
     [], ["student"], True, False, None, 63),
    ("professional_certificate", "专业资质证书", "Professional qualification certificate",
     "person", [], ["professional"], True, True, None, 64),
    ("volunteer_registration", "志愿者登记", "Volunteer registration", "person", [],
     ["volunteer"], True, False, None, 65),
]


def seed(apps, schema_editor):
    DocumentType = apps.get_model("documents", "DocumentType")
    for (code, name, name_en, subject, registration_kinds, person_kinds, required, expires,
         months, order) in TYPES:
        DocumentType.objects.update_or_create(
            code=code,
            defaults={
                "name": name, "name_en": name_en, "subject": subject,
                "registration_kinds": registration_kinds, "person_kinds": person_kinds,
                "is_required": required, "expires": expires, "validity_months": months,
                "sort_order": order,
            },
        )


def unseed(apps, schema_editor):
    DocumentType = apps.get_model("documents", "DocumentType")
    DocumentType.objects.filter(code__in=[t[0] for t in TYPES], documents__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
