"""Object permissions for the registry: django-guardian, with its answers kept per user.

guardian's ``ObjectPermissionBackend`` builds a new ``ObjectPermissionChecker`` for every
``has_perm`` call, and each checker asks the database twice (the user's and the groups'
permissions on the object). One reviewer action asks about the same bureau three or four
times (may take the task, may do it, the service's own check), so half the queries of a
decision were the same permission question asked again.

Here the checker lives on the user object, exactly as Django's ``ModelBackend`` keeps a
user's global permissions in ``user._perm_cache``: it lasts as long as the user object (one
request, one Celery task) and ``role_grant`` / ``role_revoke`` drop it when they change the
user's permissions. The answers are guardian's own; only the repetition goes.
"""

from __future__ import annotations

from guardian.backends import ObjectPermissionBackend, check_support
from guardian.core import ObjectPermissionChecker
from guardian.ctypes import get_content_type
from guardian.exceptions import WrongAppError

CACHE_ATTRIBUTE = "_object_permission_checker"


def checker_for(user) -> ObjectPermissionChecker:
    """The user object's permission checker, made on first use."""
    checker = user.__dict__.get(CACHE_ATTRIBUTE)
    if checker is None:
        checker = ObjectPermissionChecker(user)
        user.__dict__[CACHE_ATTRIBUTE] = checker
    return checker


def forget_object_permissions(user) -> None:
    """Drop what the user object remembers (after its permissions changed)."""
    user.__dict__.pop(CACHE_ATTRIBUTE, None)
    user.__dict__.pop("_perm_cache", None)
    user.__dict__.pop("_user_perm_cache", None)
    user.__dict__.pop("_group_perm_cache", None)


class CachingObjectPermissionBackend(ObjectPermissionBackend):
    def has_perm(self, user_obj, perm, obj=None) -> bool:
        support, user_obj = check_support(user_obj, obj)
        if not support:
            return False
        if "." in perm:
            app_label, _codename = perm.split(".", 1)
            if app_label != obj._meta.app_label:
                ctype = get_content_type(obj)
                if app_label != ctype.app_label:
                    raise WrongAppError(
                        f"Passed perm has app label of '{app_label}' while given obj has app "
                        f"label '{obj._meta.app_label}' and given obj content_type has app "
                        f"label '{ctype.app_label}'")
        return checker_for(user_obj).has_perm(perm, obj)

    def get_group_permissions(self, user_obj, obj=None):
        if obj is None:
            return set()
        support, user_obj = check_support(user_obj, obj)
        if not support:
            return set()
        return set(checker_for(user_obj).get_group_perms(obj))

    def get_all_permissions(self, user_obj, obj=None):
        support, user_obj = check_support(user_obj, obj)
        if not support:
            return set()
        return set(checker_for(user_obj).get_perms(obj))
