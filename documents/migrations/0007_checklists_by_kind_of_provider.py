"""Each kind of provider has its own checklist (issue 21): a public venue shows its public
institution certificate and no school-running licence; a social organization its
registration certificate; a sports club its sports business filing, and for high-risk sports
(swimming …) the licence. Data, as 0002: admins edit it afterwards."""

from django.db import migrations

# code → provider kinds it applies to (empty: all kinds)
LIMITS = {
    "operating_licence": ["private_training"],
}
# (code, name, English name, registration kinds, provider kinds, required, expires, order)
NEW = [
    ("social_group_registration", "社会团体法人登记证书",
     "Social group legal person registration certificate", ["social_group"], [],
     True, True, 13),
    ("sports_business_filing", "体育经营备案", "Sports business filing", [], ["sports_club"],
     True, False, 21),
    ("high_risk_sports_licence", "高危险性体育项目经营许可证",
     "High-risk sports business licence (swimming and other high-risk sports)", [],
     ["sports_club"], False, True, 22),
    ("fire_safety", "消防安全检查合格证明", "Fire safety inspection certificate", [],
     ["private_training", "sports_club"], True, False, 35),
]


def seed(apps, schema_editor):
    DocumentType = apps.get_model("documents", "DocumentType")
    for code, kinds in LIMITS.items():
        DocumentType.objects.filter(code=code).update(provider_kinds=kinds)
    for code, name, name_en, registration_kinds, provider_kinds, required, expires, order in NEW:
        DocumentType.objects.update_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "subject": "organization",
            "registration_kinds": registration_kinds, "provider_kinds": provider_kinds,
            "is_required": required, "expires": expires, "sort_order": order,
            "description": "高危险性体育项目（如游泳）须提供" if code == "high_risk_sports_licence"
            else "",
        })


def unseed(apps, schema_editor):
    DocumentType = apps.get_model("documents", "DocumentType")
    DocumentType.objects.filter(code__in=list(LIMITS)).update(provider_kinds=[])
    DocumentType.objects.filter(code__in=[t[0] for t in NEW], documents__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("documents", "0006_document_type_provider_kinds"),
                    ("registry", "0016_signup_invitations_change_requests_provider_kinds")]

    operations = [migrations.RunPython(seed, unseed)]
