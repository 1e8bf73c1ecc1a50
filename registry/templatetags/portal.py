"""The navigation every page shows: one section per role the signed-in user holds."""

import datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.http import QueryDict
from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from registry import reference
from registry.exports import entry_grades
from registry.formatting import user_label as account_label
from registry.models import AuditAction, grades_label
from registry.requests import role_groups, works_at_a_bureau
from registry.roles import BUREAU_ROLES, Role
from registry.selectors import objects_for_role, person_of_user
from registry.signing import mask_name

register = template.Library()



def _url(name, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # an area that is not installed (yet) has no menu entry
        return None


def _section(title, items):
    return {"title": title, "items": [(label, url, icon) for label, url, icon in items if url]}


def _public_section():
    return _section(_("Public"), [
        (_("Published lists"), _url("registry:list-index"), "list_alt"),
        (_("Public notices"), _url("workflows:notices"), "campaign"),
    ])


def _organizations(user) -> list:
    """The organizations the user acts for (up to ten), asked once per request: the menu
    lists them and the page's frame names them."""
    if not hasattr(user, "_portal_organizations"):
        user._portal_organizations = list(
            objects_for_role(user, Role.PROVIDER, "registry.organization")
            .only("pk", "name")[:10])
    return user._portal_organizations


def _own_person(user):
    """The user's own person record (an individual's account), asked once per request and
    only of a provider: the menu links to its page and to applying for its vetting."""
    if not hasattr(user, "_portal_person"):
        user._portal_person = (person_of_user(user) if Role.PROVIDER in role_groups(user)
                               else None)
    return user._portal_person


def _own_record_section(person) -> dict:
    """The pages of a person's own record (``is_own_record``) for their account holding no
    role on it (an administrator linked it, a role taken away): never registering again."""
    return _section(_("My record"), [
        (_("My own page: %(name)s") % {"name": person.name},
         _url("registry:portal-person", person.pk), "badge"),
        (_("My documents"), _url("documents:home"), "folder"),
        (_("My applications"), _url("workflows:cases"), "assignment"),
        (_("My record checks"), _url("registry:my-sanctions"), "policy"),
        (_("Notifications"), _url("workflows:notifications"), "notifications"),
        (_("My personal data and consent"), _url("registry:my-privacy"), "privacy_tip"),
    ])


def menu_sections(user) -> list[dict]:
    """What the user's roles need, in the order they use it."""
    if not getattr(user, "is_authenticated", False):
        return [_public_section()]
    sections = []
    # one query for every role check below (the menu is on every page)
    groups = role_groups(user)
    organizations = _organizations(user)
    if organizations or Role.PROVIDER in groups:
        person = _own_person(user)
        items = [(_("My organization: %(name)s") % {"name": o.name},
                  _url("registry:portal-organization", o.pk), "store") for o in organizations]
        if person is not None:  # an individual applies for their own vetting (资格审查)
            items += [
                (_("My own page: %(name)s") % {"name": person.name},
                 _url("registry:portal-person", person.pk), "badge"),
                (_("Apply for vetting"), _url("workflows:vetting-apply"), "how_to_reg"),
            ]
        # an individual's own account is not an organization's: their links would lead it
        # nowhere (it acts for no organization to apply with)
        if organizations or person is None:
            items.append((_("Register an organization"), _url("registry:portal-register"),
                          "add_business"))
        items.append((_("My documents"), _url("documents:home"), "folder"))
        if organizations:
            items.append((_("Apply for selection"), _url("workflows:apply"), "send"))
        if organizations or person is not None:  # what schools engage it (or them) for
            items.append((_("Engagements with schools"), _url("registry:provider-engagements"),
                          "handshake"))
        items += [
            (_("My applications"), _url("workflows:cases"), "assignment"),
            (_("My record checks"), _url("registry:my-sanctions"), "policy"),
            (_("Notifications"), _url("workflows:notifications"), "notifications"),
        ]
        if person is not None or not organizations:  # a person's own data and consent
            items.append((_("My personal data and consent"), _url("registry:my-privacy"),
                          "privacy_tip"))
        sections.append(_section(_("Provider portal"), items))
    elif not groups and not user.is_superuser:
        own = person_of_user(user)
        if own is not None:  # a person's own account with no role: they are registered
            sections.append(_own_record_section(own))
        else:  # an account with no role yet: it registers its organization, or itself
            sections.append(_section(_("Providers"), [
                (_("Register an organization"), _url("registry:portal-register"),
                 "add_business"),
                (_("Register myself"), _url("registry:portal-individual"), "person_add"),
            ]))
    bureau_roles = [r for r in BUREAU_ROLES if r in groups]
    if bureau_roles or user.is_superuser:
        items = [
            # one inbox and one queue across every flow (selection, vetting, re-certification,
            # annual review, review cases): the selection flow's own held only its tasks
            (_("Inbox"), _url("workflows:work-inbox"), "inbox"),
            (_("Queue"), _url("workflows:work-queue"), "queue"),
            (_("Archive"), _url("workflows:work-archive"), "archive"),
            (_("Cases"), _url("organizationselection:index"), "domain"),
            (_("Documents to review"), _url("documents:review-queue"), "rule"),
            (_("Individual vetting"), _url("individualvetting:index"), "badge"),
            (_("Re-certification"), _url("recertification:index"), "autorenew"),
            (_("Annual review"), _url("annualreview:index"), "fact_check"),
            # complaints, incidents, low satisfaction: the cases after approval (due process)
            (_("Review cases"), _url("reviewcase:index"), "gavel"),
        ]
        administered = list(objects_for_role(user, Role.BUREAU_ADMIN, "registry.bureau")[:5])
        for bureau in administered:
            items.append((_("Sanctions and publishing: %(name)s") % {"name": bureau.name},
                          _url("registry:bureau", bureau.pk), "gavel"))
            items.append((_("Dashboard: %(name)s") % {"name": bureau.name},
                          _url("workflows:dashboard", bureau.pk), "insights"))
            items.append((_("Blacklist proposals: %(name)s") % {"name": bureau.name},
                          _url("registry:blacklist-proposals", bureau.pk), "how_to_reg"))
            items.append((_("Yearly review of the list: %(name)s") % {"name": bureau.name},
                          _url("workflows:list-reviews", bureau.pk), "playlist_add_check"))
        # the record-query work of the bureaus they clerk or administer: the re-checks (复查)
        # people ask for, and the yearly re-queries (one query more, for clerks only)
        clerked = (list(objects_for_role(user, Role.BUREAU_CLERK, "registry.bureau")[:5])
                   if Role.BUREAU_CLERK in groups else [])
        for bureau in {b.pk: b for b in [*administered, *clerked]}.values():
            items.append((_("Re-checks (复查): %(name)s") % {"name": bureau.name},
                          _url("registry:rechecks", bureau.pk), "rate_review"))
            items.append((_("Yearly record re-queries: %(name)s") % {"name": bureau.name},
                          _url("registry:requeries", bureau.pk), "manage_search"))
        # publishing, large exports and the yearly review run in the worker
        items.append((_("My background jobs"), _url("registry:job-list"), "hourglass_top"))
        if administered:
            items.append((_("Personal data access log"),
                          (_url("documents:access-log") or "") + "?scope=bureau", "policy"))
        sections.append(_section(_("Bureau workspace"), items))
    if Role.DEPARTMENT in groups:
        # a partner department (会审): its opinion tasks wait in the selection queue
        sections.append(_section(_("Partner department"), [
            (_("Inbox"), _url("organizationselection:inbox"), "inbox"),
            (_("Queue"), _url("organizationselection:queue"), "queue"),
            (_("Notifications"), _url("workflows:notifications"), "notifications"),
        ]))
    if Role.SCHOOL in groups:
        sections.append(_section(_("School workspace"), [
            (_("Search approved providers"), _url("registry:school-search"), "search"),
            (_("Search approved individuals"),
             (_url("registry:school-search") or "") + "?type=people", "person_search"),
            (_("Engagements"), _url("registry:school-engagements"), "handshake"),
            (_("Invite a person"), _url("registry:school-invitations"), "person_add"),
        ]))
    sections.append(_public_section())
    sections.append(_section(_("Account"), [
        (_("Workspace"), _url("workspace:index"), "dashboard"),
        (_("Change password"), _url("password_change"), "password"),
    ]))
    return sections


def identity_names(user) -> list[str]:
    """The bureaus, schools and providers the signed-in user acts for, by name: shown on every
    page beside the product's name. One query per role the user holds (usually one)."""
    if not getattr(user, "is_authenticated", False):
        return []
    groups = role_groups(user)
    names = []
    labels = {Role.SCHOOL: "registry.school", Role.DEPARTMENT: "registry.partnerdepartment"}
    for role in (*BUREAU_ROLES, Role.SCHOOL, Role.DEPARTMENT):
        if role not in groups:
            continue
        label = labels.get(role, "registry.bureau")
        for obj in objects_for_role(user, role, label).only("pk", "name")[:3]:
            if obj.name not in names:
                names.append(obj.name)
    for organization in _organizations(user)[:3]:
        if organization.name not in names:
            names.append(organization.name)
    if not names and user.is_superuser:
        names.append(_("System administrator"))
    return names


SESSION_IDENTITY = "portal_identity"


def remember_identity(sender, request, user, **kwargs):
    """At sign-in, whom the user acts for is kept in the session: every page shows it and
    asks the database nothing for it (a role granted later shows from the next sign-in)."""
    request.session[SESSION_IDENTITY] = [str(name) for name in identity_names(user)]


@register.simple_tag(takes_context=True)
def portal_identity(context):
    request = context.get("request")
    session = getattr(request, "session", None)
    if session is not None and SESSION_IDENTITY in session:
        return session[SESSION_IDENTITY]
    cache = getattr(request, "_portal_identity", None)
    if cache is None:
        cache = identity_names(getattr(request, "user", None))
        if request is not None:
            request._portal_identity = cache
    return cache


@register.filter
def page_title(value) -> str:
    """A page's title in the browser: where you are, then the product ("我的申请 · 课后服务…")."""
    product = _("After-school provider registry")
    where = " ".join(str(value).split())
    return product if not where or where == product else f"{where} · {product}"


# How many tasks a bureau user holds and may take, for the home page: the flows are an app
# above the domain, so they name how to count (``WorkflowsConfig.ready``).
_work_counter = None


def work_counts_register(counter) -> None:
    """Name the callable that counts a bureau user's open tasks: ``counter(user)`` →
    ``{"inbox": n, "queue": m}``."""
    global _work_counter  # one process-wide hook, set once at start-up
    _work_counter = counter


@register.simple_tag(takes_context=True)
def bureau_work_counts(context):
    """The signed-in bureau user's counts of tasks held (我的待办) and waiting to be taken
    (待领取任务), with the addresses of the two lists; None for anyone else."""
    user = getattr(context.get("request"), "user", None)
    if _work_counter is None or not works_at_a_bureau(user):
        return None
    counts = _work_counter(user)
    return {**counts, "inbox_url": _url("workflows:work-inbox"),
            "queue_url": _url("workflows:work-queue")}


@register.simple_tag(takes_context=True)
def portal_menu(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    cache = getattr(request, "_portal_menu", None)
    if cache is None:
        cache = menu_sections(user)
        if request is not None:
            request._portal_menu = cache
    return cache


def _menu_match(url: str, request) -> int | None:
    """Whether the menu's address ``url`` names the page of ``request``: its path is the
    page's, and each parameter it sets has the page's value (the search of individuals is
    the search's path with ``?type=people``). None if not, else how many it sets."""
    path, _sep, query = url.partition("?")
    if path != request.path:
        return None
    wanted = QueryDict(query)
    if any(request.GET.getlist(key) != wanted.getlist(key) for key in wanted):
        return None
    return len(wanted)


@register.simple_tag(takes_context=True)
def portal_menu_active(context, sections) -> str:
    """The address of the menu's item for the current page ("" for none): of the items
    naming it, the one that says most (``?type=people`` over the bare search path). A page
    whose address is no item's names the items it belongs to (``menu_items``, URL names
    in order: an engagement's page, the list of engagements): the first in the menu."""
    request = context.get("request")
    if request is None:
        return ""
    best, found = -1, ""
    for section in sections:
        for _label, url, _icon in section["items"]:
            score = _menu_match(url, request)
            if score is not None and score > best:
                best, found = score, url
    if found:
        return found
    urls = {url for section in sections for _label, url, _icon in section["items"]}
    named = context.get("menu_items") or ()
    for name in [named] if isinstance(named, str) else named:
        url = _url(name)
        if url in urls:
            return url
    return ""



# What a case's history says, in words: audit events store codes (stable, searchable),
# people read the labels of the vocabulary (registry.models.AuditAction) and these states.
AUDIT_STATES = {
    "submitted": pgettext_lazy("audit", "submitted"),
    "complete": pgettext_lazy("audit", "complete"),
    "incomplete": pgettext_lazy("audit", "incomplete"),
    "correction": pgettext_lazy("audit", "awaiting correction"),
    "flagged": pgettext_lazy("audit", "flagged"),
    "passed": pgettext_lazy("audit", "passed"),
    "failed": pgettext_lazy("audit", "failed"),
    "notice": pgettext_lazy("audit", "in public notice"),
    "approve": pgettext_lazy("audit", "approve"),
    "reject": pgettext_lazy("audit", "reject"),
    "open": pgettext_lazy("audit", "in progress"),
    "approved": pgettext_lazy("audit", "approved"),
    "rejected": pgettext_lazy("audit", "rejected"),
    "withdrawn": pgettext_lazy("audit", "withdrawn"),
    "proposed": pgettext_lazy("audit", "waiting for confirmation"),
    "confirmed": pgettext_lazy("audit", "confirmed"),
    "refused": pgettext_lazy("audit", "refused"),
    "lifted": pgettext_lazy("audit", "lifted"),
    "upheld": pgettext_lazy("audit", "upheld"),
    "published": pgettext_lazy("audit", "published"),
    # annual reviews (年度复核): keep, renew (1+1), suspend, revoke
    "keep": pgettext_lazy("audit", "keep"),
    "renew": pgettext_lazy("audit", "keep and renew"),
    # review cases
    "no_action": pgettext_lazy("audit", "no action"),
    "rectify": pgettext_lazy("audit", "rectification"),
    "suspend": pgettext_lazy("audit", "suspension"),
    "revoke": pgettext_lazy("audit", "revocation"),
    "blacklist": pgettext_lazy("audit", "proposal to blacklist"),
    "answered": pgettext_lazy("audit", "answered"),
    "accepted": pgettext_lazy("audit", "accepted"),
    "dismissed": pgettext_lazy("audit", "dismissed"),
    "acknowledged": pgettext_lazy("audit", "acknowledged"),
    "investigating": pgettext_lazy("audit", "under investigation"),
    "stopped": pgettext_lazy("audit", "stopped"),
    # partner departments' opinions (会审)
    "agree": pgettext_lazy("audit", "agree"),
    "conditions": pgettext_lazy("audit", "agree with conditions"),
    "disagree": pgettext_lazy("audit", "disagree"),
}


@register.filter
def audit_action(event) -> str:
    """An audit event's action and new state in words, e.g. "Decision recorded → approve"."""
    # an event older than a vocabulary change keeps its code: the code beats nothing
    action = (str(AuditAction(event.action).label) if event.action in AuditAction.values
              else event.action)
    state = str(AUDIT_STATES.get(event.to_state, event.to_state)) if event.to_state else ""
    # "未通过 → 未通过" or "Rejected → rejected" said nothing twice: the state only where it
    # adds to the action
    return f"{action} → {state}" if state and state.casefold() != action.casefold() else action


@register.filter
def audit_actor(event) -> str:
    """Who acted; events the system records itself say so in the reader's language."""
    return pgettext("audit", "System") if event.actor_repr in ("", "system") else event.actor_repr


@register.filter
def approval_grades(approval) -> str:
    """The grades an individual's approval covers (1–3年级); empty for an organization's,
    whose grades are its offerings'."""
    if approval is None or not getattr(approval, "person_id", None):
        return ""
    return str(grades_label(approval.grades))


@register.filter
def list_category(data) -> str:
    """A category of a published list's entry (frozen as ``{"code", "name"}``: the list's
    digest is signed) in the reader's language: the English name the registry holds for
    its code (``display_name``) when English is active, else the name as published."""
    category = reference.category_by_code(str((data or {}).get("code", "")))
    if category is not None and category.display_name != category.name:
        return category.display_name
    return (data or {}).get("name", "")


@register.filter
def list_entry_grades(data) -> str:
    """The grades an individual on a published list may teach ("1–3年级"), read from the
    entry's frozen data as the exports read it; empty for an organization."""
    return entry_grades(data or {})


@register.filter
def masked_name(value) -> str:
    """A person's name as shown to someone who may not be that person: 张*华."""
    return mask_name(str(value or ""))


@register.filter
def yuan(value) -> str:
    """An amount in yuan for the reader's locale: "¥1,234.50"; empty stays empty."""
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return "¥" + formats.number_format(amount, 2, use_l10n=True, force_grouping=True)


@register.filter
def iso_date(value, format_name: str = "DATE_FORMAT") -> str:
    """A date kept as ISO text (the frozen entries of a published list, whose digest must not
    change) in the reader's format: "2026年4月1日", "April 1, 2026". Anything else is shown
    as it is."""
    try:
        day = datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return value
    return formats.date_format(day, format_name)


# The tone of a status's badge, by the status's code (the words come from the model's
# choices, in the reader's language). Codes not listed get the neutral grey.
STATUS_TONES = {
    "ok": {"approved", "verified", "active", "in_force", "valid", "confirmed", "passed",
           "accepted", "published", "complete", "lifted", "done", "scored", "agree"},
    "info": {"pending", "submitted", "open", "new", "in_progress", "under_review", "notice",
             "invited", "assigned", "draft", "drawn", "acknowledged"},
    "warn": {"suspended", "correction", "expiring", "flagged", "proposed", "returned",
             "waiting", "recheck", "recused", "investigating",
             "conditions"},  # a partner department's agreement with conditions
    "bad": {"rejected", "revoked", "expired", "blacklisted", "refused", "withdrawn", "failed",
            "declined", "missing", "cancelled", "upheld", "disagree"},
}


@register.filter
def status_tone(code) -> str:
    """The tone of a status's badge (``portal-badge--{{ code|status_tone }}``), for a badge
    whose words come from elsewhere (a document's verdict: documents/_badge.html)."""
    return next((t for t, codes in STATUS_TONES.items() if str(code) in codes), "muted")


@register.filter
def status_badge(obj, field: str = "status"):
    """A status as a coloured badge with its words: ``{{ approval|status_badge }}`` shows
    "已批准" in green, never the code ("approved") or "37 (rejected)"."""
    code = getattr(obj, field, None)
    if code in (None, ""):
        return ""
    display = getattr(obj, f"get_{field}_display", None)
    label = display() if callable(display) else str(code)
    return format_html('<span class="portal-badge portal-badge--{}">{}</span>',
                       status_tone(code), label)


@register.simple_tag(takes_context=True)
def loosen_search(context, form) -> list[tuple[str, str]]:
    """For a search that found nothing: each criterion the user set, as (what to do, the
    address of the same search without it), so the empty result says what to loosen."""
    request = context["request"]
    if not getattr(form, "cleaned_data", None):
        return []
    suggestions = []
    for name, value in form.cleaned_data.items():
        if name == "page" or value in (None, "", [], ()):
            continue
        query = request.GET.copy()
        query.pop(name, None)
        query.pop("page", None)
        label = form.fields[name].label
        suggestions.append((_("Without “%(criterion)s”") % {"criterion": label},
                            f"?{query.urlencode()}"))
    return suggestions


@register.filter
def user_label(user) -> str:
    """``{{ someone|user_label }}``: a person named by their account as every page names
    them, by full name or "用户 12", never by username (often an e-mail address)."""
    return account_label(user) if user is not None else ""
