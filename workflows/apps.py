from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here, not at the top, because an app's modules that touch models may only
        # be imported once the app registry is ready (Django's rule for ready()), not to
        # dodge a cycle. The layers below ask this one through hooks (they cannot import
        # it): documents, which bureaus a subject's cases reach; the domain, to deliver its
        # notifications and to count a provider's cases into a bureau's reach for sanctions.
        # Importing the flows registers them in workflows.entry (the services start a
        # process through it), and the tasks in Celery's registry (the notification
        # outbox enqueues its email task by name): in the web, the worker and commands.
        from documents.permissions import register_case_reach
        from documents.selectors import earliest_expiring_document
        from registry import notifications
        from registry.models import BackgroundJob
        from registry.selectors import incident_progress_register, renewals_due_register
        from registry.services import (
            approval_hold_check_register,
            job_runner_register,
            reach_check_register,
            renewal_document_limit_register,
            review_case_opener_register,
        )
        from registry.templatetags.portal import work_counts_register
        from workflows import flows, tasks  # noqa: F401 - registers the flows and tasks
        from workflows.reach import WorkflowCaseReach
        from workflows.registry_hooks import incident_progress_of, provider_has_case_under
        from workflows.renewals_due import renewals_due_of
        from workflows.services.list_review import list_review_job_run
        from workflows.services.notifications import notify, notify_many
        from workflows.services.recertification import credential_hold_check
        from workflows.services.review_cases import review_case_open
        from workflows.worklist import bureau_work_counts

        register_case_reach(WorkflowCaseReach())
        notifications.sender_register(notify, many=notify_many)
        reach_check_register(provider_has_case_under)
        review_case_opener_register(review_case_open)
        incident_progress_register(incident_progress_of)
        approval_hold_check_register(credential_hold_check)
        renewals_due_register(renewals_due_of)  # what a credential hold asks to renew
        renewal_document_limit_register(earliest_expiring_document)
        work_counts_register(bureau_work_counts)  # the home page's counts of tasks
        job_runner_register(BackgroundJob.Kind.LIST_REVIEW, list_review_job_run,
                            permission="registry.administer_bureau")
