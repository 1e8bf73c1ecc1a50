"""Web pages for published lists (public), school search and engagements (the bureau's
dashboard: bureau_pages). Each view parses input, checks permission and calls one
selector or service."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    condition,
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from registry import conditional, exports, selectors, services, signing
from registry.forms import (
    EngagementForm,
    FreePlacesForm,
    IncidentForm,
    PersonSearchForm,
    ProviderSearchForm,
    TermForm,
)
from registry.models import (
    BackgroundJob,
    Engagement,
    Jurisdiction,
    Offering,
    Organization,
    Person,
    Publication,
)
from registry.requests import (
    BadRequest,
    SeveralSchools,
    bureau_for,
    bureaus_administered_by,
    engagement_args,
    error_messages,
    form_error,
    paginate,
    query_id,
    school_choices,
    school_for,
    schools_of,
    valid_data,
)

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# --- public: published lists -------------------------------------------------

@require_safe
@condition(etag_func=conditional.index_etag, last_modified_func=conditional.index_modified)
def list_index(request):
    """Every jurisdiction that has published a list (no login)."""
    response = render(request, "registry/lists/index.html",
                      {"jurisdictions": selectors.publication_jurisdictions()})
    response["Cache-Control"] = conditional.CHANGING
    return response


@require_safe
@condition(etag_func=conditional.jurisdiction_etag,
           last_modified_func=conditional.jurisdiction_modified)
def list_jurisdiction(request, code: str):
    """The current list of one jurisdiction and its past lists (no login)."""
    jurisdiction = get_object_or_404(Jurisdiction, code=code)
    publications = list(selectors.publications_of(jurisdiction)[:200])
    administered = bureaus_administered_by(request.user).filter(
        jurisdiction=jurisdiction).select_related("jurisdiction").first()
    # an administrator confirms what publishing would do before it is done
    preview = (services.publication_preview(actor=request.user, bureau=administered)
               if administered is not None else None)
    # the bureau's staff may have a large list's export written in the background
    staff = publications and request.user.is_authenticated and selectors.staffed_bureau_ids(
        request.user).filter(jurisdiction=jurisdiction).exists()
    response = render(request, "registry/lists/jurisdiction.html", {
        "jurisdiction": jurisdiction, "current": publications[0] if publications else None,
        "past": publications[1:], "bureau": administered, "preview": preview,
        "export_job": staff,
    })
    response["Cache-Control"] = conditional.CHANGING
    return response


@require_safe
@condition(etag_func=conditional.detail_etag, last_modified_func=conditional.detail_modified)
def list_detail(request, pk: int):
    """One published list: digest, changes since the previous one, entries (no login)."""
    try:
        publication = conditional.publication(request, pk)
    except Publication.DoesNotExist:
        raise Http404 from None

    lapsed = conditional.lapsed(request, publication)

    def body():
        page = paginate(selectors.publication_entries(publication), request.GET.get("page"),
                        per_page=100)
        # each row of an entry that no longer holds says so, in words (not only the box)
        standing = {entry.position: entry for entry in lapsed.entries}
        page.object_list = list(page.object_list)
        for entry in page.object_list:
            entry.standing = standing.get(entry.position)
            # an individual's kind from its code, in the reader's language (the name frozen
            # beside it is in the publishing administrator's), as the CSV and XLSX say it
            entry.kind_label = (exports.person_kind_label(entry.data)
                                or entry.get_kind_display())
        return render_to_string("registry/lists/_detail_content.html", {
            "publication": publication, "page": page, "diff": publication.diff}, request)

    try:
        content = conditional.list_page_body(publication, request.GET.get("page"), body,
                                             standing=conditional.standing_key(lapsed))
    except BadRequest as error:
        return render(request, "registry/error.html", {"errors": error_messages(error)},
                      status=400)
    response = render(request, "registry/lists/detail.html",
                      {"publication": publication, "body": content,
                       "lapsed": lapsed.entries})
    # revalidated on every reading (a 304 while nothing lapsed): the page names what no
    # longer holds, which changes without a new publication
    response["Cache-Control"] = conditional.CHANGING
    return response


@require_safe
@condition(etag_func=conditional.detail_etag, last_modified_func=conditional.detail_modified)
def list_export(request, pk: int, fmt: str):
    """CSV (UTF-8 with BOM), XLSX or canonical JSON, streamed from the database."""
    if fmt not in EXPORT_TYPES:
        raise Http404
    try:
        publication = conditional.publication(request, pk)
    except Publication.DoesNotExist:
        raise Http404 from None
    filename = f"list-{publication.jurisdiction.code}-{publication.year}-{publication.number}"
    # the CSV and XLSX say which entries no longer hold, as the page does; the signed JSON
    # is the list as published
    lapsed = (conditional.lapsed(request, publication) if fmt != "json" else None)
    standing = {entry.position: entry for entry in lapsed.entries} if lapsed else {}
    # written once per format, language (and standing), then served from storage
    name = services.list_export_name(publication, fmt, get_language() or settings.LANGUAGE_CODE,
                                     conditional.standing_key(lapsed) if lapsed else "")
    stored = services.list_export_stored(name)
    if stored is not None:
        response = FileResponse(stored, content_type=EXPORT_TYPES[fmt])
    elif fmt == "xlsx":
        spool = exports.xlsx_file(publication, selectors.publication_entries_data(publication),
                                  standing)
        services.list_export_store(name, spool)
        spool.seek(0)
        response = FileResponse(spool, content_type=EXPORT_TYPES[fmt])
    else:
        entries = selectors.publication_entries_data(publication)
        chunks = (exports.csv_stream(entries, standing) if fmt == "csv"
                  else exports.json_stream(publication, entries))
        response = StreamingHttpResponse(services.list_export_tee(chunks, name),
                                         content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["X-Content-SHA256"] = publication.digest
    # a suspension changes the CSV and XLSX: revalidated on every reading, as the page
    response["Cache-Control"] = conditional.FIXED if fmt == "json" else conditional.CHANGING
    return response


@require_safe
def list_export_signature(request, pk: int):
    """The registry key's Ed25519 signature of the JSON export's SHA-256 digest (the 32
    raw bytes), so that a downloaded export is checked offline with the public key (README:
    one openssl command)."""
    try:
        publication = selectors.publication_detail(pk)
    except Publication.DoesNotExist:
        raise Http404 from None
    response = HttpResponse(signing.sign(bytes.fromhex(publication.digest)),
                            content_type="application/octet-stream")
    filename = f"list-{publication.jurisdiction.code}-{publication.year}-{publication.number}"
    response["Content-Disposition"] = f'attachment; filename="{filename}.json.sig"'
    return response


@login_required
@require_POST
def list_publish(request, bureau_id: int):
    """A bureau administrator publishes the next numbered list, in the worker (a
    ``BackgroundJob``); the page that follows shows its progress and links the list."""
    bureau = bureau_for(request.user, bureau_id)
    if request.POST.get("confirm") != "yes":  # the page shows what will happen first
        messages.error(request, _("Confirm the publication after reading what it will do."))
        return redirect("registry:list-jurisdiction", code=bureau.jurisdiction.code)
    try:
        job = services.job_start(actor=request.user, kind=BackgroundJob.Kind.PUBLISH,
                                 bureau=bureau)
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
        return redirect("registry:list-jurisdiction", code=bureau.jurisdiction.code)
    # a long list takes a while: the job's page follows the worker and links the list
    return redirect("registry:job-detail", pk=job.pk)


# --- schools: search and engagements -----------------------------------------

def school_refused(request, error: BadRequest):
    """The answer of a school's page whose school cannot be told: a user who acts for
    several schools, arriving by a link that names none (the menu's), chooses one (each
    link is this page for that school); any other refusal is a 400 that says why."""
    if isinstance(error, SeveralSchools):
        return render(request, "registry/school/choose_school.html",
                      {"choices": school_choices(request)})
    return render(request, "registry/error.html", {"errors": error_messages(error)},
                  status=400)


@login_required
@require_GET
def school_search(request):
    """Search the approved organizations (or, with ``type=people``, individuals)."""
    people = request.GET.get("type") == "people"
    form_class = PersonSearchForm if people else ProviderSearchForm
    form = form_class(request.GET or None)
    context = {"form": form, "people": people}
    try:
        school = school_for(request.user, request.GET.get("school"))
    except BadRequest as error:
        return school_refused(request, error)
    context["school"] = school
    # arriving from a need of the term plan: its engagement will say which need it fills
    context["need"] = request.GET.get("need", "") if request.GET.get("need", "").isdigit() else ""
    if not request.GET or "keyword" not in request.GET and "page" not in request.GET:
        form = form_class()
        context["form"] = form
        return render(request, "registry/school/search.html", context)
    if not form.is_valid():
        return render(request, "registry/school/search.html", context, status=400)
    search = (selectors.approved_people_search if people
              else selectors.approved_organizations_search)
    try:
        context["page"] = paginate(search(school=school, **form.search_kwargs()),
                                   form.cleaned_data.get("page"))
    except BadRequest as error:
        context["errors"] = error_messages(error)
        return render(request, "registry/school/search.html", context, status=400)
    query = request.GET.copy()
    query.pop("page", None)
    context["query"] = query.urlencode()
    return render(request, "registry/school/search.html", context)


@login_required
def school_engagements(request):
    """The school's terms and engagements, with forms to add them."""
    try:
        school = school_for(request.user,
                            request.GET.get("school") or request.POST.get("school"))
    except BadRequest as error:
        return school_refused(request, error)
    # Arriving from a search result: the provider is filled in.
    try:
        initial = {k: pk for k in ("organization", "offering", "person", "need") if (pk := query_id(
            request.GET.get(k), _("The provider must be given by its number."))) is not None}
    except BadRequest as error:
        return render(request, "registry/error.html", {"errors": error_messages(error)},
                      status=400)
    term_form = TermForm(prefix="term")
    engagement_form = EngagementForm(prefix="eng", initial=initial)
    status = 200
    adding_term = request.method == "POST" and _adds_term(request.POST)
    if request.method == "POST":
        try:
            if adding_term:
                # what the school typed into the engagement form, from which it adds the
                # term, comes back as typed (never through an address: the roster's ID numbers)
                typed = {name: request.POST[f"eng-{name}"] for name in EngagementForm.base_fields
                         if f"eng-{name}" in request.POST}
                term_form = TermForm(request.POST, prefix="term")
                engagement_form = EngagementForm(prefix="eng", initial={**initial, **typed})
                if term_form.is_valid():
                    term = services.school_term_create(actor=request.user, school=school,
                                                       **term_form.cleaned_data)
                    messages.success(request, _("Term recorded."))
                    if typed:  # the engagement form again, as typed, for the new term
                        return _engagements_page(request, school, engagement_form=EngagementForm(
                            prefix="eng", initial={**initial, **typed, "term": term.pk}))
                    query = urlencode({"school": school.pk, **initial})
                    return redirect(f"{reverse('registry:school-engagements')}?{query}")
            else:
                engagement_form = EngagementForm(request.POST, prefix="eng")
                if engagement_form.is_valid():
                    services.engagement_create(actor=request.user, school=school,
                                               **engagement_args(school, engagement_form))
                    messages.success(request, _("Engagement recorded."))
                    return redirect(f"{reverse('registry:school-engagements')}?school={school.pk}")
            status = 400
        except ValidationError as error:
            # the service's refusal goes next to the field it is about, like the form's own
            form_error(term_form if adding_term else engagement_form, error)
            status = 400
    return _engagements_page(request, school, term_form=term_form,
                             engagement_form=engagement_form, status=status)


def _adds_term(post) -> bool:
    """Whether a POST to the engagements page adds a term: the term form alone, its button
    inside the engagement form, or Enter pressed in its fields there (the engagement form's
    own button is then the one sent) while no term is chosen for the engagement."""
    if "add-term" in post:
        return True
    if "eng-term" not in post:
        return "term-name" in post
    return not post.get("eng-term") and bool(post.get("term-name", "").strip())


def _engagements_page(request, school, *, term_form=None, engagement_form=None,
                      free_places=None, status=200):
    """The school's engagements page; ``free_places`` (``{"engagement", "value",
    "errors"}``) puts a refused number back beside the engagement it was for."""
    term_form = term_form or TermForm(prefix="term")
    engagement_form = engagement_form or EngagementForm(prefix="eng")
    terms = list(selectors.terms_for_schools([school.pk]))
    provider = _engagement_form_for_people(engagement_form, terms, school)
    if provider:  # the term's fields are inside the engagement form: not required to save it
        term_form.use_required_attribute = False
    context = {
        "school": school, "term_form": term_form, "engagement_form": engagement_form,
        "terms": terms, "provider": provider,
        "engagements": selectors.engagements_for_schools([school.pk])[:200],
        "free_places": free_places or {},
        # the school's task at each term's end: rate the term's engagements on the rubric
        "terms_to_rate": selectors.terms_to_rate([school.pk], today=timezone.localdate()),
    }
    return render(request, "registry/school/engagements.html", context, status=status)


def _engagement_form_for_people(form, terms, school) -> dict | None:
    """Terms by name, the provider (chosen in search) by name instead of by number.

    Returns the provider the form is about, or None when none was chosen: the page then
    says to choose one through the search rather than asking for numbers. Only a provider
    ``school`` may engage is named (``selectors.engageable_by``, as ``engagement_args``
    reads it), and only its organization's offering: any other number names nobody, as one
    nobody holds does (else ``?person=N`` would tell anyone's name by their number).
    """
    form.fields["term"].widget = forms.Select(
        choices=[("", "---------")] + [(t.pk, t.name) for t in terms])
    values = {}
    for name in ("organization", "offering", "person"):
        form.fields[name].widget = forms.HiddenInput()
        try:  # only to show the provider by name: a number that is not one names nobody
            values[name] = query_id(form[name].value(), "")
        except BadRequest:
            values[name] = None
    organization = (selectors.engageable_by(school, Organization).filter(
        pk=values["organization"]).first() if values["organization"] else None)
    person = (selectors.engageable_by(school, Person).filter(pk=values["person"]).first()
              if values["person"] else None)
    offering = (Offering.objects.filter(pk=values["offering"], organization=organization)
                .first() if values["offering"] and organization else None)
    if person is not None and not form["need"].value():
        # an individual is engaged for a category their approval covers (the service
        # refuses any other): the school picks one of those, the sub-items included
        form.fields["category"].widget = forms.Select(choices=[("", "---------")] + [
            (c.pk, c.display_name)
            for c in selectors.categories_approved_for_person(person.pk)])
    if organization is not None and not values["offering"]:
        # an organization is engaged for one of its offerings: the school picks which
        form.fields["offering"].widget = forms.Select(choices=[("", "---------")] + [
            (o.pk, f"{o.title}（{o.fee_per_session}）") for o in Offering.objects.filter(
                organization=organization, is_active=True).order_by("title")])
    provider = {"organization": organization, "offering": offering, "person": person}
    return provider if organization or person else None


def _own_engagement(request, pk: int) -> Engagement:
    """The engagement, if the user acts for its school. Another school's is one nobody
    holds to them: the same 404, the same words, as ``contract_views._engagement`` answers
    (a 403 told whoever tries numbers which engagements exist); its provider, who knows it
    exists, is told why (403)."""
    engagement = (Engagement.objects.select_related("school", "approval", "organization",
                                                    "person").filter(pk=pk).first())
    if engagement is not None and schools_of(request.user).filter(
            pk=engagement.school_id).exists():
        return engagement
    if engagement is not None and services.may_act_for_provider(request.user, engagement):
        raise PermissionDenied(_("You do not act for this school."))
    raise Http404(_("No such engagement."))


@login_required
@require_POST
def engagement_free_places(request, pk: int):
    """The school records how many free places (免费名额) it used under an engagement.
    A number the service refuses comes back as a 400, beside that engagement."""
    engagement = _own_engagement(request, pk)
    form = FreePlacesForm(request.POST)
    try:
        valid_data(form)
        recorded = services.engagement_free_places_record(
            actor=request.user, engagement=engagement, used=form.cleaned_data["used"])
    except ValidationError as error:
        return _engagements_page(
            request, engagement.school, status=400,
            free_places={"engagement": engagement.pk, "value": request.POST.get("used", ""),
                         "errors": error_messages(error)})
    offered = recorded.offering.free_places_per_term if recorded.offering_id else 0
    messages.success(request, _("Free places recorded: %(used)d of the %(offered)d this "
                                "offering gives per term.")
                     % {"used": recorded.free_places_used, "offered": offered})
    return redirect(f"{reverse('registry:school-engagements')}?school={engagement.school_id}"
                    f"#engagement-{engagement.pk}")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def engagement_incident(request, pk: int):
    """The school reports an incident about one of its engagements. A refused report comes
    back as the form (400), with what was typed and each refusal beside its field."""
    engagement = _own_engagement(request, pk)
    form = IncidentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_report(actor=request.user, engagement=engagement,
                                     **form.cleaned_data)
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Incident reported."))
            return redirect(f"{reverse('registry:school-incidents')}"
                            f"?school={engagement.school_id}")
    return render(request, "registry/school/incident_form.html",
                  {"engagement": engagement, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_safe
def school_incidents(request):
    """The incidents the school reported, newest first, each with where it stands at the
    bureau (the bureau reads them on the review cases they opened)."""
    try:
        school = school_for(request.user, request.GET.get("school"))
    except BadRequest as error:
        return school_refused(request, error)
    incidents = list(selectors.incidents_for_schools([school.pk])[:200])
    progress = selectors.incident_progress(incidents)
    return render(request, "registry/school/incidents.html", {
        "school": school, "schools": list(schools_of(request.user)[:50]),
        "rows": [(incident, progress[incident.pk]) for incident in incidents]})
