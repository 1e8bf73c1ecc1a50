from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # (imported here: an app's modules that touch models wait for the app registry)
        # A consent form a clerk verified counts as the person's consent to their yearly
        # re-query, as it does at the first vetting: the domain asks through its hook.
        from documents.selectors import consent_forms_signed
        from registry.services import requery_consent_evidence_register

        requery_consent_evidence_register(consent_forms_signed)
