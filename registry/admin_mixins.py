"""What the admin of every app shares (``registry`` is the lowest layer: ``accounts``,
``documents`` and ``workflows`` import it from here)."""


class ReadOnlyAdminMixin:
    """The admin shows these rows and never writes them, for anyone, superusers too: they
    change only through services, which check permission and audit the change.

    Mixed in before ``admin.ModelAdmin`` (``class XAdmin(ReadOnlyAdminMixin,
    admin.ModelAdmin)``)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
