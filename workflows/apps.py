from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The layers below ask this one through hooks (they cannot import it): documents,
        # which bureaus a subject's cases reach; the domain, to deliver its notifications
        # and to count a provider's cases into a bureau's reach for sanctions.
        from documents.permissions import register_case_reach
        from registry import notifications
        from registry.services import reach_check_register, review_case_opener_register
        from workflows.reach import WorkflowCaseReach
        from workflows.review_cases import review_case_open
        from workflows.selectors import provider_has_case_under
        from workflows.services import notify

        register_case_reach(WorkflowCaseReach())
        notifications.sender_register(notify)
        reach_check_register(provider_has_case_under)
        review_case_opener_register(review_case_open)
