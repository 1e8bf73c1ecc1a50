"""An organization's search document holds its county as a token among its n-grams
(``registry.search_text.county_token``), so that school search filters by county in the
n-gram index instead of reading every candidate's organization: 7.2 -> see the commit for
the figures. Existing documents get the token here; ``search_index_refresh`` writes it
from now on.

Backwards: nothing to undo. Older code never asks for these tokens, and no keyword can
match one (a ':' is in no n-gram).
"""

from django.db import migrations

ADD_TOKENS = (
    "UPDATE registry_providersearchdocument "
    "SET grams = TRIM(grams || ' county:' || ("
    "  SELECT CAST(o.county_id AS TEXT) FROM registry_organization o "
    "  WHERE o.id = registry_providersearchdocument.organization_id)) "
    "WHERE organization_id IS NOT NULL AND grams NOT LIKE '%county:%'"
)


class Migration(migrations.Migration):
    dependencies = [("registry", "0009_search_split_indexes")]

    operations = [migrations.RunSQL(ADD_TOKENS, migrations.RunSQL.noop, elidable=False)]
