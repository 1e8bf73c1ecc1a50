from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # documents asks this app which bureaus a subject's cases reach (it cannot import us)
        from documents.permissions import register_case_reach
        from workflows.reach import WorkflowCaseReach

        register_case_reach(WorkflowCaseReach())
