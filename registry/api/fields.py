"""Fields the API's writes share: another object named by its id.

An id the caller may not use must answer exactly as one that names nothing: the same status,
the same words (which never echo the id). Otherwise a 403 for a person of another
organization beside a 400 for a number nobody holds tells anyone who tries numbers which
people, organizations or offerings the registry holds."""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

NOT_FOUND_OR_NOT_YOURS = _("No such record, or not one you may use here.")


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """The id of a ``model`` row among ``scope(user)``, the rows the request's user may
    use here (a selector's queryset: the rule stays where it is written). Outside the scope
    and unknown are one answer, a 400 with :data:`NOT_FOUND_OR_NOT_YOURS`. The service
    called next still checks what it checks (scoping only narrows what reaches it).

    The serializer needs the request in its context; without one the field refuses to guess
    whose scope it is (an error, not an empty or an unscoped choice)."""

    default_error_messages = {"does_not_exist": NOT_FOUND_OR_NOT_YOURS}

    def __init__(self, *, model, scope: Callable[..., QuerySet], **kwargs):
        self.scope = scope
        # the model's rows for the schema (drf-spectacular reads the key's type from it);
        # a value is looked up in get_queryset, never here
        kwargs.setdefault("queryset", model._default_manager.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            raise ImproperlyConfigured(
                f"{type(self).__name__} needs the request in its serializer's context.")
        return self.scope(request.user)
