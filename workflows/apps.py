from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The domain asks the layers above it through hooks: deliver its notifications,
        # and count a provider's cases into a bureau's reach for sanctions.
        from registry import notifications
        from registry.services import reach_check_register
        from workflows.selectors import provider_has_case_under
        from workflows.services import notify

        notifications.sender_register(notify)
        reach_check_register(provider_has_case_under)
