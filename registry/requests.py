"""Input handling shared by the web views and the API views: whose school, whose
bureau, which page. Business rules stay in services and selectors."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from registry import reference, selectors
from registry.models import (
    Offering,
    Organization,
    Person,
    ServiceCategory,
    TermNeed,
)
from registry.roles import BUREAU_ROLES, Role
from registry.selectors import granted_objects, objects_for_role
from registry.selectors.search_ranking import TOTAL as SEARCH_TOTAL


class BadRequest(ValidationError):
    """Input the user can fix: shown as a 400 with the message."""


class SeveralSchools(BadRequest):
    """The user acts for several schools and the request names none (a menu's link names
    none): the web pages ask which one (``school_choices``); the API answers 400."""


def request_address(request) -> str | None:
    """The client's address as recorded with what it did (consent, answers): ``REMOTE_ADDR``,
    or with ``PROXY_COUNT`` proxies in front, the address the outermost of them saw (from the
    right of ``X-Forwarded-For``, which the client cannot forge past its own proxy). None
    when it is not an IP address."""
    import ipaddress

    address = request.META.get("REMOTE_ADDR", "") or ""
    proxies = getattr(settings, "PROXY_COUNT", 0)
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                     if a.strip()]
        if forwarded:
            address = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def role_groups(user) -> set[str]:
    """The names of the user's role groups, asked once per request (kept on the user, which
    lives as long as the request): every portal page's menu and frame need them, and
    views ask too."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if not hasattr(user, "_role_groups"):
        user._role_groups = set(user.groups.values_list("name", flat=True))
    return user._role_groups


def works_at_a_bureau(user) -> bool:
    """Whether ``user`` works at any bureau (clerk, expert, approver, administrator) or runs
    the system: the bureau's workspace, its one inbox, queue and archive are theirs."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or any(role in role_groups(user) for role in BUREAU_ROLES)


def schools_of(user):
    return objects_for_role(user, Role.SCHOOL, "registry.school")


def bureaus_administered_by(user):
    return objects_for_role(user, Role.BUREAU_ADMIN, "registry.bureau")


def query_id(value, message) -> int | None:
    """An id read by hand from a query string or a form: None when absent or empty; an int
    when written in ASCII digits (a leading minus allowed: such a number names nothing and
    the caller's lookup says so); anything else — letters, decimals, other scripts' digits
    (``１２``, ``²``, which ``str.isdigit`` accepts and ``int`` reads or refuses), NUL — is a
    ``BadRequest`` with ``message``."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()):
        raise BadRequest(message)
    try:
        return int(text)
    except ValueError:  # beyond Python's limit on the digits of an int
        raise BadRequest(message) from None


def school_for(user, school_id) -> object:
    """The school the user acts for: the one named, or the only one."""
    # Every school search starts here: one fixed statement reads the school with the
    # user's grants (granted_objects); its county, city and province come from
    # registry.reference (the administrative tree, kept by the process), so that search
    # and fee references read them without a query.
    school_pk = query_id(school_id, _("The school must be given by its number."))
    # a number beyond the key's range names no school (SQLite would refuse to compare it)
    out_of_range = school_pk is not None and not -2**63 <= school_pk < 2**63
    found = [] if out_of_range else granted_objects(user, Role.SCHOOL, "registry.school",
                                                    pk=school_pk, limit=2)
    if not found:
        raise PermissionDenied(_("You do not act for this school.") if school_pk is not None
                               else _("Only school users may do this."))
    if len(found) > 1:
        raise SeveralSchools(_("You act for several schools: choose one."))
    school = found[0]
    county = reference.jurisdiction(school.county_id)
    if county is not None:
        school.county = county
    return school


def school_choices(request) -> list[tuple[str, str]]:
    """Each school the user acts for, by name, with this page's address naming it (the
    rest of the query kept): what a page offers a user who acts for several schools."""
    query = request.GET.copy()
    choices = []
    for school in schools_of(request.user).order_by("name", "pk")[:50]:
        query["school"] = str(school.pk)
        choices.append((school.name, f"{request.path}?{query.urlencode()}"))
    return choices


def bureau_for(user, bureau_id):
    bureaus = bureaus_administered_by(user).select_related("jurisdiction")
    message = _("The bureau must be given by its number.")
    bureau_pk = query_id(bureau_id, message)
    if bureau_pk is None:
        raise BadRequest(message)
    bureau = bureaus.filter(pk=bureau_pk).first()
    if bureau is None:
        raise PermissionDenied(_("Only an administrator of this bureau may do this."))
    return bureau


class CountedPaginator(Paginator):
    """For search results whose items carry the total (``COUNT(*) OVER ()`` in the ranking,
    see ``registry.selectors.search.SearchResults``): the page is read first and the count
    taken from it, one query where a Paginator runs the search twice (a COUNT, then the
    page). Only a page beyond the end asks for the count, so that the error can name the
    last page."""

    def page(self, number):
        number = self._whole_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom:bottom + self.per_page])
        if not rows and number > 1:
            return super().page(number)  # counts, then raises EmptyPage
        self.__dict__["count"] = getattr(rows[0], SEARCH_TOTAL) if rows else 0
        return self._get_page(rows, number, self)

    def _whole_number(self, number) -> int:
        """``validate_number`` without the upper bound (which needs the count)."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number


def paginate(queryset, page_number, per_page: int | None = None) -> Page:
    """One page; a page beyond the end is the user's error, not an empty page."""
    counted = getattr(queryset, "counted", False)
    paginator = (CountedPaginator if counted else Paginator)(
        queryset, per_page or settings.REGISTRY_SEARCH_PAGE_SIZE, allow_empty_first_page=True)
    try:
        return paginator.page(page_number or 1)
    except PageNotAnInteger:
        raise BadRequest(_("The page must be a whole number.")) from None
    except EmptyPage:
        raise BadRequest(
            _("Page %(page)s is beyond the last page (%(last)s)."),
            params={"page": page_number, "last": paginator.num_pages},
        ) from None


def api_form_data(request) -> Mapping:
    """The body of an API write, for a Django form: see :func:`form_data`."""
    return form_data(request.data)


def form_data(data) -> Mapping:
    """Parsed JSON for a Django form, which reads posted text: an object's numbers are read
    as their text and its nulls as absent fields. Anything else is the caller's error, a
    400 that says so: a body that is not an object (a list, a string, a number, null), a
    field that is a list or an object. Given to a form as they are, these fail with a 500
    (``.get`` of a list, ``.strip()`` of a number in a date field)."""
    from rest_framework.exceptions import ValidationError as DRFValidationError

    if isinstance(data, QueryDict):  # a form or multipart post: text already
        return data
    if not isinstance(data, Mapping):
        raise DRFValidationError({"detail": [
            str(_("The request body must be a JSON object, with the fields as its members."))]})
    fields, wrong = {}, {}
    for name, value in data.items():
        if isinstance(value, list | dict):
            wrong[name] = [str(_("Give one value here, not a list or an object."))]
        elif value is not None:
            fields[name] = value if isinstance(value, str) else str(value)
    if wrong:
        raise DRFValidationError(wrong)
    return fields


def error_messages(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


def form_error(form, error: ValidationError, rename: Mapping[str, str] | None = None) -> None:
    """Put a service's refusal on the form that sent it, as the form's own errors are: next
    to the field it names (``rename`` maps a service's name for it to the form's), else
    above the form. Every page that answers a refused service call with its form does this."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        field = (rename or {}).get(field, field)
        form.add_error(field if field in form.fields else None, messages)


# The words every upload form says when it comes back with errors (the correction, objection
# and re-check forms say them too)
FILES_NOT_KEPT = _("Files are not kept when the form comes back: please choose the files "
                   "again.")


def files_not_kept(form) -> None:
    """A form sent with files comes back with errors: a browser cannot be given back the
    files it sent, so say beside each file field that was sent a file (refused or not) that
    it must be chosen again. Call it once the form's and the service's errors are on it."""
    if not form.is_bound or not form.errors:
        return
    for name, field in form.fields.items():
        if isinstance(field, forms.FileField) and form.files.get(form.add_prefix(name)) \
                and str(FILES_NOT_KEPT) not in form.errors.get(name, ()):
            form.add_error(name, FILES_NOT_KEPT)


def valid_data(form) -> dict:
    """The form's cleaned data, or its errors, every one, as one ``ValidationError`` (the
    pages that answer a refusal with a message rather than the form again)."""
    if not form.is_valid():
        raise ValidationError([e for errs in form.errors.values() for e in errs])
    return form.cleaned_data


def engagement_args(school, form, roster=None) -> dict:
    """Turn submitted ids into objects. The term among the school's, the organization or
    person among the providers it may engage (``selectors.engageable_by``), the offering
    among that organization's: any other reads as an unknown id, one refusal for all, or
    the answers would tell which terms, providers and offerings the registry holds."""
    data = form.cleaned_data
    term = selectors.terms_for_schools([school.pk]).filter(pk=data["term"]).first()
    organization = offering = person = None
    if data.get("organization"):
        organization = selectors.engageable_by(school, Organization).filter(
            pk=data["organization"]).first()
    if data.get("offering"):
        offering = Offering.objects.filter(pk=data["offering"],
                                           organization=organization).first()
    if data.get("person"):
        person = selectors.engageable_by(school, Person).filter(pk=data["person"]).first()
    named = [(data.get(field), found) for field, found in (
        ("organization", organization), ("offering", offering), ("person", person))]
    if term is None or any(value and found is None for value, found in named):
        raise ValidationError(_("No such term, organization, offering or person, or not one "
                                "this school may engage."))
    category = (ServiceCategory.objects.filter(pk=data["category"]).first()
                if data.get("category") else None)
    need = TermNeed.objects.filter(pk=data["need"], term=term).first() if data.get("need") else None
    if data.get("need") and need is None:
        raise ValidationError({"need": _("This need is not in the term's plan.")})
    return {"term": term, "organization": organization, "offering": offering, "person": person,
            "starts_on": data.get("starts_on"), "ends_on": data.get("ends_on"),
            "fee_per_session": data["fee_per_session"], "sessions": data["sessions"],
            "places": data.get("places") or 0, "category": category, "need": need,
            "grade_min": data.get("grade_min"), "grade_max": data.get("grade_max"),
            # as typed (or as the API's list): the service reads and judges it
            "roster": data.get("roster") if roster is None else roster}


def person_by_reference(reference: str | int) -> Person:
    """A person named by their number or resident ID number (see the selector)."""
    return selectors.person_by_reference(reference)
