"""A GIN index over the search document's n-gram tokens (PostgreSQL only).

pg_trgm cannot index the two-character queries most Chinese keywords are
(围棋, 篮球), so the index is over character unigrams and bigrams, stored as
space-separated tokens and split into a text[] by an immutable expression;
``HasAllGrams`` queries the same expression with ``@>``.
"""

from django.db import migrations

UP = (
    "CREATE INDEX registry_searchdoc_grams_gin ON registry_providersearchdocument "
    "USING gin (string_to_array(grams, ' '))"
)
DOWN = "DROP INDEX IF EXISTS registry_searchdoc_grams_gin"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UP)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DOWN)


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_issue5_lists_search_engagements")]

    operations = [migrations.RunPython(forwards, backwards)]
