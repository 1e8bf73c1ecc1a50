"""Make the audit trail append-only in the database itself, so that raw SQL
cannot rewrite history either.

On SQLite only UPDATE is refused: Django's test flush empties tables with
DELETE there, while PostgreSQL's TRUNCATE does not fire row triggers.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION registry_auditevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER registry_auditevent_no_update BEFORE UPDATE ON registry_auditevent
    FOR EACH ROW EXECUTE FUNCTION registry_auditevent_refuse_change();
CREATE TRIGGER registry_auditevent_no_delete BEFORE DELETE ON registry_auditevent
    FOR EACH ROW EXECUTE FUNCTION registry_auditevent_refuse_change();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS registry_auditevent_no_update ON registry_auditevent;
DROP TRIGGER IF EXISTS registry_auditevent_no_delete ON registry_auditevent;
DROP FUNCTION IF EXISTS registry_auditevent_refuse_change();
"""
SQLITE_UP = """
CREATE TRIGGER registry_auditevent_no_update BEFORE UPDATE ON registry_auditevent
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS registry_auditevent_no_update;"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_reference_data")]

    operations = [migrations.RunPython(forwards, backwards)]
