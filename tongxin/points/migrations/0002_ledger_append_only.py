"""Make the points ledger append-only for the database too (PostgreSQL), as the audit log is
(core 0002): an update or a delete of a ledger row is refused whoever sends it. The model refuses
them already; SQLite, used for demos and tests, relies on the model alone."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION points_pointsentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'points ledger is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER points_pointsentry_no_update_delete
    BEFORE UPDATE OR DELETE ON points_pointsentry
    FOR EACH ROW EXECUTE FUNCTION points_pointsentry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS points_pointsentry_no_update_delete ON points_pointsentry;
DROP FUNCTION IF EXISTS points_pointsentry_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("points", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
