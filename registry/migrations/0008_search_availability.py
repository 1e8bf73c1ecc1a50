"""School search's prefilter: where each search document's subject holds an approval in
status "approved" (``j<jurisdiction id>``) and for which categories (``j<id>c<category>``),
as space-separated tokens like the n-grams.

On PostgreSQL the n-gram GIN index becomes a two-column one, ``(grams, availability)``,
under the same name, so that one index scan returns only the documents that hold the
keyword's grams *and* one token of the school's lineage (a bitmap AND of two indexes would
read every posting list of the lineage: hundreds of thousands of rows). Filled here with
set-based statements, as ``registry.services.search.search_availability_rebuild`` does.
"""

from django.db import migrations

from registry.models.search import GramsField

OLD_INDEX = (
    "CREATE INDEX registry_searchdoc_grams_gin ON registry_providersearchdocument "
    "USING gin (string_to_array(grams, ' '))"
)
NEW_INDEX = (
    "CREATE INDEX registry_searchdoc_grams_gin ON registry_providersearchdocument "
    "USING gin (string_to_array(grams, ' '), string_to_array(availability, ' ')) "
    "WITH (fastupdate = off)"
)
DROP_INDEX = "DROP INDEX IF EXISTS registry_searchdoc_grams_gin"


def _fill_sql(column: str) -> str:
    tokens = (
        f"SELECT a.{column} AS subject_id, 'j' || a.jurisdiction_id AS token "
        f"FROM registry_approval a WHERE a.status = 'approved' AND a.{column} IS NOT NULL "
        f"UNION SELECT a.{column}, 'j' || a.jurisdiction_id || 'c' || ac.servicecategory_id "
        f"FROM registry_approval a JOIN registry_approval_categories ac "
        f"ON ac.approval_id = a.id WHERE a.status = 'approved' AND a.{column} IS NOT NULL"
    )
    return (
        f"UPDATE registry_providersearchdocument d SET availability = s.tokens FROM ("
        f"SELECT t.subject_id, string_agg(t.token, ' ' ORDER BY t.token COLLATE \"C\") "
        f"AS tokens FROM ({tokens}) t GROUP BY t.subject_id) s "
        f"WHERE d.{column} = s.subject_id"
    )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Without the old index the UPDATE writes no GIN entries; the new one is built once.
        schema_editor.execute(DROP_INDEX)
        schema_editor.execute(_fill_sql("organization_id"))
        schema_editor.execute(_fill_sql("person_id"))
        schema_editor.execute(NEW_INDEX)
        return
    Approval = apps.get_model("registry", "Approval")
    Document = apps.get_model("registry", "ProviderSearchDocument")
    tokens: dict[tuple[str, int], set[str]] = {}
    rows = Approval.objects.filter(status="approved").values_list(
        "organization_id", "person_id", "jurisdiction_id", "categories__id")
    for organization_id, person_id, jurisdiction_id, category_id in rows:
        key = ("organization", organization_id) if organization_id else ("person", person_id)
        found = tokens.setdefault(key, set())
        found.add(f"j{jurisdiction_id}")
        if category_id is not None:
            found.add(f"j{jurisdiction_id}c{category_id}")
    for (field, subject_id), found in tokens.items():
        Document.objects.filter(**{f"{field}_id": subject_id}).update(
            availability=" ".join(sorted(found)))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_INDEX)
        schema_editor.execute(OLD_INDEX)


class Migration(migrations.Migration):
    dependencies = [("registry", "0007_policy_defaults")]

    operations = [
        migrations.AddField(
            model_name="providersearchdocument",
            name="availability",
            field=GramsField(blank=True, default="", verbose_name="approved in"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
