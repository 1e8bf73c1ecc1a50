"""School search by subject: an organization search reads only organizations' documents.

The n-gram GIN index of migration 0008 held organizations and people together, so the
posting list of a common gram (``an`` of any pinyin) held about 1.1 million documents at
full scale, and intersecting those lists was most of an organization search (10 ms of a
26 ms query for ``lanqiu`` in 体育). Two partial indexes, one per kind of subject, make an
organization search read lists eleven times shorter. Searches say which kind they want
(``organization_id IS NOT NULL``), which is what lets the planner use the partial index.

Also: approvals in status "approved" get a covering index per kind of subject, so the
exact validity check of each candidate is an index-only scan.
"""

from django.db import migrations, models

OLD_INDEX = (
    "CREATE INDEX registry_searchdoc_grams_gin ON registry_providersearchdocument "
    "USING gin (string_to_array(grams, ' '), string_to_array(availability, ' ')) "
    "WITH (fastupdate = off)"
)
NEW_INDEXES = [
    f"CREATE INDEX registry_searchdoc_{kind}_gin ON registry_providersearchdocument "
    f"USING gin (string_to_array(grams, ' '), string_to_array(availability, ' ')) "
    f"WITH (fastupdate = off) WHERE {kind}_id IS NOT NULL"
    for kind in ("organization", "person")
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in NEW_INDEXES:
        schema_editor.execute(statement)
    schema_editor.execute("DROP INDEX IF EXISTS registry_searchdoc_grams_gin")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(OLD_INDEX)
    for kind in ("organization", "person"):
        schema_editor.execute(f"DROP INDEX IF EXISTS registry_searchdoc_{kind}_gin")


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0008_search_availability'),
        ('viewflow', '0015_task_scheduled'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.AddIndex(
            model_name='approval',
            index=models.Index(condition=models.Q(('organization__isnull', False), ('status', 'approved')), fields=['organization'], include=('id', 'jurisdiction', 'valid_from', 'valid_until', 'expert_score'), name='approval_org_approved_idx'),
        ),
        migrations.AddIndex(
            model_name='approval',
            index=models.Index(condition=models.Q(('person__isnull', False), ('status', 'approved')), fields=['person'], include=('id', 'jurisdiction', 'valid_from', 'valid_until', 'expert_score'), name='approval_person_approved_idx'),
        ),
    ]
