from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.core import checks

        from registry import reference  # noqa: F401 (connects its signal receivers)
        from registry.checks import pdf_font_check
        from registry.templatetags.portal import remember_identity

        user_logged_in.connect(remember_identity, dispatch_uid="registry.remember_identity")
        checks.register(pdf_font_check)
