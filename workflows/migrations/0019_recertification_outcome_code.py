"""A re-certification case keeps how the system closed it (``outcome_code``), so that its
reason reads in the reader's language; the cases closed before are given theirs from the
words they kept (in the site's language, Chinese, or English where the site was)."""

from django.db import migrations, models

# the reasons the services wrote, as written, to their code
WRITTEN = {
    "renewed": ("更新的证件已审核通过。", "Renewed documents verified."),
    "term_ended": ("准入资格有效期已届满。", "The approval term has ended."),
    "not_renewed": ("宽限期内未完成更新。", "No renewal within the grace period."),
    "record_hit": ("年度入职查询发现记录。", "The yearly record query returned a record."),
}


def codes_from_reasons(apps, schema_editor):
    cases = apps.get_model("workflows", "RecertificationProcess").objects
    for code, texts in WRITTEN.items():
        cases.filter(outcome_code="", outcome_reason__in=texts).exclude(
            outcome="open").update(outcome_code=code)
    # a person's case reads as rejected however it ended (workflows.record_privacy)
    cases.filter(outcome_code="not_renewed", approval__person__isnull=False).update(
        outcome_code="unchecked")
    # those whose grace period ran out while a renewal waited for the clerk's check (sent
    # more often than checked, by their audit events) were not left unrenewed
    kind = apps.get_model("contenttypes", "ContentType").objects.filter(
        app_label="workflows", model="recertificationprocess").first()
    if kind is None:
        return
    events = apps.get_model("registry", "AuditEvent").objects.filter(target_type=kind)
    for pk in cases.filter(outcome_code="not_renewed").values_list("pk", flat=True).iterator():
        mine = events.filter(target_id=str(pk))
        if mine.filter(action="recert.submit").count() > mine.filter(
                action="recert.verify").count():
            cases.filter(pk=pk).update(outcome_code="unchecked")


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0018_sweep_watermark'),
        ('registry', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AddField(
            model_name='recertificationprocess',
            name='outcome_code',
            field=models.CharField(blank=True, choices=[('renewed', 'Renewed documents verified.'), ('term_ended', 'The approval term has ended.'), ('not_renewed', 'No renewal within the grace period.'), ('unchecked', 'No renewal within the grace period.'), ('record_hit', 'The yearly record query returned a record.')], max_length=16, verbose_name='how it closed'),
        ),
        migrations.RunPython(codes_from_reasons, migrations.RunPython.noop),
    ]
