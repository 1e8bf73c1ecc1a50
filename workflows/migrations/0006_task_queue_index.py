"""An index for the bureau queues: open tasks by (permission, object), newest first.

viewflow's task table has no index on the permission a queued task needs; a clerk's queue
(``workflows.selectors.task_queue_for``) asks for ``owner_permission = … AND
owner_permission_obj_pk IN (…) AND status = 'NEW'`` ordered by ``created``. The table
belongs to viewflow, so the index is created here, by SQL that both backends accept.
"""

from django.db import migrations

INDEX = "workflows_task_queue_idx"


class Migration(migrations.Migration):

    dependencies = [
        ("viewflow", "0015_task_scheduled"),
        ("workflows", "0005_offering_flag"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON viewflow_task "
            "(owner_permission, owner_permission_obj_pk, status, created)",
            reverse_sql=f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
