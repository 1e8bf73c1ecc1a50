"""The navigation every page shows: one section per role the signed-in user holds."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from registry.roles import Role
from registry.selectors import objects_for_role

register = template.Library()

BUREAU_ROLES = (Role.BUREAU_CLERK, Role.BUREAU_EXPERT, Role.BUREAU_APPROVER, Role.BUREAU_ADMIN)


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


def menu_sections(user) -> list[dict]:
    """What the user's roles need, in the order they use it."""
    if not getattr(user, "is_authenticated", False):
        return [_public_section()]
    sections = []
    # one query for every role check below (the menu is on every page)
    groups = set(user.groups.values_list("name", flat=True))
    organizations = list(objects_for_role(user, Role.PROVIDER, "registry.organization")
                         .only("pk", "name")[:10])
    if organizations or Role.PROVIDER in groups:
        items = [(_("My organization: %(name)s") % {"name": o.name},
                  _url("registry:portal-organization", o.pk), "store") for o in organizations]
        items += [
            (_("Register an organization"), _url("registry:portal-register"), "add_business"),
            (_("My documents"), _url("documents:home"), "folder"),
            (_("Apply for selection"), _url("workflows:apply"), "send"),
            (_("My applications"), _url("workflows:cases"), "assignment"),
            (_("Notifications"), _url("workflows:notifications"), "notifications"),
        ]
        sections.append(_section(_("Provider portal"), items))
    else:
        sections.append(_section(_("Providers"), [
            (_("Register an organization"), _url("registry:portal-register"), "add_business"),
        ]))
    bureau_roles = [r for r in BUREAU_ROLES if r in groups]
    if bureau_roles or user.is_superuser:
        items = [
            (_("Inbox"), _url("organizationselection:inbox"), "inbox"),
            (_("Queue"), _url("organizationselection:queue"), "queue"),
            (_("Archive"), _url("organizationselection:archive"), "archive"),
            (_("Cases"), _url("organizationselection:index"), "domain"),
            (_("Documents to review"), _url("documents:review-queue"), "rule"),
        ]
        for bureau in objects_for_role(user, Role.BUREAU_ADMIN, "registry.bureau")[:5]:
            items.append((_("Sanctions and publishing: %(name)s") % {"name": bureau.name},
                          _url("registry:bureau", bureau.pk), "gavel"))
            items.append((_("Dashboard: %(name)s") % {"name": bureau.name},
                          _url("workflows:dashboard", bureau.pk), "insights"))
        sections.append(_section(_("Bureau workspace"), items))
    if Role.SCHOOL in groups:
        sections.append(_section(_("School workspace"), [
            (_("Search approved providers"), _url("registry:school-search"), "search"),
            (_("Search approved individuals"),
             (_url("registry:school-search") or "") + "?type=people", "person_search"),
            (_("Engagements"), _url("registry:school-engagements"), "handshake"),
        ]))
    sections.append(_public_section())
    sections.append(_section(_("Account"), [
        (_("Workspace"), _url("workspace:index"), "dashboard"),
        (_("Change password"), _url("password_change"), "password"),
    ]))
    return sections


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

