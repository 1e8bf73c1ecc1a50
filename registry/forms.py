"""Forms shared by the web pages and the API, so both parse input the same way."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registry import reference
from registry.models import (
    Jurisdiction,
    Organization,
    Person,
    PersonalDataConsent,
    ServiceCategory,
    TermSlot,
)
from registry.models.engagements import EVALUATION_RUBRIC, RUBRIC_TOP_SCORE, Incident
from registry.selectors.sanctions import provider_under_bureau
from registry.widgets import DateField


class ReferenceChoiceField(forms.ModelChoiceField):
    """A choice of reference data by its code (``to_field_name``): the select lists the
    queryset's rows as usual, and a submitted code is looked up in the process's
    snapshot (registry.reference) instead of a query on every search. ``accept`` says
    which rows the field takes, as the queryset's filter does."""

    def __init__(self, *args, lookup, accept, **kwargs):
        super().__init__(*args, **kwargs)
        self.lookup, self.accept = lookup, accept

    def label_from_instance(self, obj):
        # in the reader's language (``BilingualNameMixin``): Sport · Swimming in English
        return obj.display_label

    def to_python(self, value):
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        found = self.lookup(str(value))
        if found is None or not self.accept(found):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                  params={"value": value})
        return found


class ProviderSearchForm(forms.Form):
    """School search parameters; anything of the wrong type or out of range is an error."""

    keyword = forms.CharField(label=_("Keyword"), max_length=50, required=False,
                              help_text=_("Chinese, pinyin or pinyin initials (围棋, weiqi, wq)."))
    category = ReferenceChoiceField(
        # (read with their parents, as every category list: see ServiceCategoryManager)
        label=_("Category"), queryset=ServiceCategory.objects.filter(is_active=True),
        to_field_name="code", required=False,
        lookup=reference.category_by_code, accept=lambda category: category.is_active,
        error_messages={"invalid_choice": _("Unknown category.")},
    )
    county = ReferenceChoiceField(
        label=_("County / district"),
        queryset=Jurisdiction.objects.filter(level=Jurisdiction.Level.COUNTY),
        to_field_name="code", required=False,
        lookup=reference.jurisdiction_by_code,
        accept=lambda node: node.level == Jurisdiction.Level.COUNTY,
        error_messages={"invalid_choice": _("Unknown county or district.")},
    )
    weekday = forms.TypedChoiceField(
        label=_("Weekday"), required=False, coerce=int, empty_value=None,
        choices=[("", "—"), (1, _("Monday")), (2, _("Tuesday")), (3, _("Wednesday")),
                 (4, _("Thursday")), (5, _("Friday")), (6, _("Saturday")), (7, _("Sunday"))],
    )
    max_fee = forms.DecimalField(label=_("Maximum fee per session (CNY)"), required=False,
                                 min_value=Decimal("0"), max_digits=8, decimal_places=2)
    grade = forms.IntegerField(label=_("Grade"), required=False, min_value=1, max_value=9)
    page = forms.IntegerField(label=_("Page"), required=False, min_value=1, max_value=100000)

    def search_kwargs(self) -> dict:
        data = self.cleaned_data
        return {k: data.get(k) for k in ("keyword", "category", "county", "weekday",
                                         "max_fee", "grade")}


class PersonSearchForm(forms.Form):
    keyword = ProviderSearchForm.base_fields["keyword"]
    category = ProviderSearchForm.base_fields["category"]
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", "—"), *Person.Kind.choices])
    grade = forms.IntegerField(label=_("Grade"), required=False, min_value=1, max_value=9,
                               help_text=_("Only people approved to teach this grade."))
    page = ProviderSearchForm.base_fields["page"]

    def search_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"keyword": data.get("keyword"), "category": data.get("category"),
                "kind": data.get("kind") or None, "grade": data.get("grade")}


class _SharedFields(dict):
    """The fields of a form that only parses: every instance reads the class's own."""

    def __deepcopy__(self, memo):
        return self


def parse_only(form_class):
    """``form_class`` for input that is parsed and never rendered (the API's searches).

    Every Django form deep-copies its fields when made, so that one instance's changes
    (a widget's attributes, a queryset narrowed for one user) never reach another; for
    the search forms that copy cost more Python than validating the input (about 0.8 ms
    a request, ModelChoiceField copying its queryset). A form that only validates changes
    no field, so the copy made here shares them."""
    shared = type(form_class.__name__, (form_class,), {"__module__": form_class.__module__})
    shared.base_fields = _SharedFields(form_class.base_fields)
    return shared


class TermForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    starts_on = DateField(label=_("Starts on"))
    ends_on = DateField(label=_("Ends on"))
    project_count = forms.IntegerField(label=_("After-school projects"), min_value=1,
                                       max_value=1000)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError(_("The term ends before it starts."))
        return data


class EngagementForm(forms.Form):
    term = forms.IntegerField(label=_("Term"))
    organization = forms.IntegerField(label=_("Organization"), required=False)
    offering = forms.IntegerField(label=_("Offering"), required=False)
    person = forms.IntegerField(label=_("Person"), required=False)
    starts_on = DateField(label=_("Starts on"), required=False)
    ends_on = DateField(label=_("Ends on"), required=False)
    fee_per_session = forms.DecimalField(label=_("Agreed fee per session (CNY)"),
                                         min_value=Decimal("0"), max_digits=8, decimal_places=2)
    sessions = forms.IntegerField(label=_("Number of sessions"), min_value=1, max_value=1000)
    places = forms.IntegerField(label=_("Places"), min_value=0, max_value=10000,
                                required=False)
    category = forms.IntegerField(label=_("Category (for an individual)"), required=False,
                                  widget=forms.HiddenInput)
    need = forms.IntegerField(label=_("Need filled"), required=False, widget=forms.HiddenInput)
    grade_min = forms.IntegerField(label=_("Lowest grade taught"), min_value=1, max_value=9,
                                   required=False)
    grade_max = forms.IntegerField(label=_("Highest grade taught"), min_value=1, max_value=9,
                                   required=False)
    # the text as typed: the service reads it (one per line or comma-separated) and judges
    # each person (registry.selectors.roster_people)
    roster = forms.CharField(
        label=_("Roster"), required=False, max_length=2000, widget=forms.Textarea(
            attrs={"rows": 2}),
        help_text=_("The resident ID numbers of the people who will come into the school, "
                    "one per line; each needs a valid individual approval."))


class RosterAddForm(forms.Form):
    person = forms.CharField(label=_("Resident ID number or person number"), max_length=18)


class PermitPhotoForm(forms.Form):
    photo = forms.FileField(label=_("Photo (JPEG or PNG)"))
    consent = forms.BooleanField(
        label=_("I agree that this photo is shown on my entry permits and to the school's "
                "gate when a permit is checked."), required=False)


def personal_data_consent_field() -> forms.BooleanField:
    """The box of the separate consent (单独同意) to holding the ID number, unticked; the
    page shows ``PersonalDataConsent.POINTS`` above it."""
    return forms.BooleanField(label=PersonalDataConsent.LABEL,
                              error_messages={"required": PersonalDataConsent.REQUIRED})


def personal_data_consent_attested_field() -> forms.BooleanField:
    """The organization's box, unticked, per staff member it adds: it holds the person's
    signed separate consent form (个人信息单独同意书); the page shows the points above it."""
    return forms.BooleanField(label=PersonalDataConsent.ATTESTATION_LABEL, error_messages={
        "required": PersonalDataConsent.ATTESTATION_REQUIRED})


class PersonalDataConsentForm(forms.Form):
    personal_data_consent = personal_data_consent_field()


class PaperUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Paper"), choices=[
        ("agreement", _("Service agreement")),
        ("safety", _("Safety responsibility letter (安全责任书)"))])
    side = forms.ChoiceField(label=_("Signed by"), choices=[
        ("school", _("School")), ("provider", _("Provider"))])
    file = forms.FileField(label=_("Signed copy (PDF or image)"))


class LessonForm(forms.Form):
    taught_on = DateField(label=_("Date"))
    period = forms.IntegerField(label=_("Period"), min_value=1, max_value=3)
    teacher = forms.IntegerField(label=_("Teacher (roster person)"))
    pupils_present = forms.IntegerField(label=_("Pupils present"), min_value=0, max_value=10000)


class LessonDecisionForm(forms.Form):
    # in context: every app's catalogue shares one msgid space, and the workflows' plain
    # "Decision" is the approver's task (审批决定), which a lesson's 决定 would shadow
    decision = forms.ChoiceField(label=pgettext_lazy("lesson", "Decision"), choices=[
        ("confirm", _("Confirm")), ("dispute", _("Dispute"))])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class SlotForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("Weekday"), coerce=int, choices=[
        (1, _("Monday")), (2, _("Tuesday")), (3, _("Wednesday")), (4, _("Thursday")),
        (5, _("Friday")), (6, _("Saturday")), (7, _("Sunday"))])
    period = forms.IntegerField(label=_("Period"), min_value=1, max_value=3)


class NeedForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Category"), queryset=None)
    grade_min = forms.IntegerField(label=_("Lowest grade"), min_value=1, max_value=9)
    grade_max = forms.IntegerField(label=_("Highest grade"), min_value=1, max_value=9)
    places = forms.IntegerField(label=_("Places"), min_value=1, max_value=10000)
    budget_per_session = forms.DecimalField(label=_("Budget per session (CNY)"),
                                            min_value=Decimal("0"), max_digits=8,
                                            decimal_places=2)
    slots = forms.ModelMultipleChoiceField(label=_("Time slots"), queryset=None,
                                           required=False,
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, term=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ServiceCategory.objects.filter(is_active=True)
        self.fields["category"].label_from_instance = lambda category: category.display_label
        self.fields["slots"].queryset = (TermSlot.objects.filter(term=term) if term
                                         else TermSlot.objects.none())


class RubricForm(forms.Form):
    """A score 1–5 for each item of the rubric (学期考核), and comments. Whether the
    engagement may be rated is the service's rule and message."""

    SCORES = [("", "—"), *((str(n), str(n)) for n in range(1, RUBRIC_TOP_SCORE + 1))]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item in EVALUATION_RUBRIC:
            # the item's label is "Safety: pupils supervised, …": a colon after it too
            # read "安全：…落实安全预案："
            self.fields[f"score_{item.key}"] = forms.TypedChoiceField(
                label=item.label, label_suffix="", choices=self.SCORES, coerce=int,
                help_text=_("Weight %(weight)d") % {"weight": item.weight})
        self.fields["comments"] = forms.CharField(label=_("Comments"), required=False,
                                                  widget=forms.Textarea(attrs={"rows": 2}),
                                                  max_length=4000)

    def scores(self) -> dict[str, int]:
        return {item.key: self.cleaned_data[f"score_{item.key}"] for item in EVALUATION_RUBRIC}


class FreePlacesForm(forms.Form):
    """How many free places (免费名额) a school used under one engagement. Only parsed
    here: whether the number fits the offering is the service's rule and message."""

    used = forms.IntegerField(label=_("Free places used"))


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Incident.Kind.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea,
                                  max_length=4000)
    occurred_on = DateField(label=_("Occurred on"))


def subject_initial(query) -> dict:
    """The provider a page's link names (``?organization=N`` or ``?person=N``), as a
    subject form's initial data."""
    return {k: query[k] for k in ("organization", "person") if query.get(k)}


def subject_named(initial: dict, bureau):
    """The organization or person :func:`subject_initial` names, if ``bureau``'s sanctions
    reach it (``provider_under_bureau``). Any other number names nobody, as one nobody
    holds does: the page would otherwise show anyone's name by their number."""
    for field in ("organization", "person"):
        value = str(initial.get(field) or "")
        if value.isascii() and value.isdigit() and len(value) < 15:
            return provider_under_bureau(bureau, **{f"{field}_pk": int(value)})
    return None


class SubjectForm(forms.Form):
    """A form about exactly one organization or one person, each given by its number."""

    organization = forms.IntegerField(label=_("Organization"), required=False)
    person = forms.IntegerField(label=_("Person"), required=False)

    def clean(self):
        data = super().clean()
        if bool(data.get("organization")) == bool(data.get("person")):
            raise ValidationError(_("Choose exactly one organization or one person."))
        return data


class SanctionForm(SubjectForm):
    """Suspend, reinstate or revoke (a blacklisting is proposed: BlacklistProposalForm)."""

    ACTIONS = [("suspend", _("Suspend")), ("reinstate", _("Reinstate")),
               ("revoke", _("Revoke"))]

    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    # the bureau's page takes what its staff have at hand: the provider's number in the
    # registry, or the code or ID number on the complaint (with ``bureau``: see clean)
    organization = forms.CharField(
        label=_("Organization"), required=False, max_length=32,
        help_text=_("Its number in the registry, or its unified social credit code."))
    person = forms.CharField(
        label=_("Person"), required=False, max_length=32,
        help_text=_("Their number in the registry, or their resident ID number."))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea, max_length=4000)
    # asked before a suspension or a revocation (irreversible for the provider's pupils and
    # schools); a reinstatement needs none
    confirm = forms.BooleanField(
        label=_("I confirm. A suspension takes the provider off the lists schools choose from "
                "at once, until reinstated; a revocation is final and the provider must apply "
                "anew."), required=False)
    field_order = ["action", "organization", "person", "reason", "confirm"]

    def __init__(self, *args, ask_confirmation: bool = True, bureau=None, **kwargs):
        """``ask_confirmation``: the page's form asks for the tick (the API's caller acts on
        purpose, and has no box to tick). ``bureau``: the code or ID number of a provider
        its sanctions reach is taken too. ``subject``, once valid: whom the form names."""
        super().__init__(*args, **kwargs)
        self.ask_confirmation = ask_confirmation
        self.bureau = bureau
        self.subject = None
        if not ask_confirmation:
            del self.fields["confirm"]

    def clean(self):
        data = super().clean()
        if self.ask_confirmation and data.get("action") in ("suspend", "revoke") \
                and not data.get("confirm"):
            self.add_error("confirm", _("Tick the confirmation: a suspension takes the "
                                        "provider off the lists at once; a revocation is "
                                        "final."))
        for field, model, identifier in (("organization", Organization, "uscc"),
                                         ("person", Person, "id_number")):
            value = (data.get(field) or "").strip()
            if not value:
                continue
            # a number in the registry (an ID number or a code has 15 or more characters)
            if value.isascii() and value.isdigit() and len(value) < 15:
                data[field] = int(value)
                if self.bureau is None:
                    self.subject = model.objects.filter(pk=int(value)).first()
                    if self.subject is None:
                        self.add_error(field, _("There is no %(what)s numbered %(number)s.")
                                       % {"what": model._meta.verbose_name, "number": value})
                    continue
                # a number outside the bureau's reach reads as one nobody holds, as a code
                # does: told apart, they would say which numbers the registry holds
                self.subject = provider_under_bureau(self.bureau, **{f"{field}_pk": int(value)})
                if self.subject is None:
                    self.add_error(field, _("No %(what)s with this number holds an approval "
                                            "in your jurisdiction.")
                                   % {"what": model._meta.verbose_name})
                continue
            if self.bureau is not None:
                self.subject = provider_under_bureau(self.bureau, **{identifier: value})
            if self.subject is None:
                self.add_error(field, _("No %(what)s with this code or ID number holds an "
                                        "approval in your jurisdiction.")
                               % {"what": model._meta.verbose_name})
            else:
                data[field] = self.subject.pk
        return data


class BlacklistProposalForm(SubjectForm):
    """A proposal to blacklist a provider, with reasons and evidence: files (``evidence``,
    several allowed, read from the request's files) and references to what is on file."""

    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea, max_length=4000)
    years = forms.IntegerField(label=_("Years"), min_value=1, max_value=20)
    evidence_references = forms.CharField(
        label=_("Evidence on file"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
        max_length=4000,
        help_text=_("Documents already on file, inspection reports, complaint numbers …"))

    def service_kwargs(self) -> dict:
        """The service's arguments: the provider as an object (an unknown id is a 404),
        and the uploaded evidence files."""
        data = self.cleaned_data
        return {
            "organization": (get_object_or_404(Organization, pk=data["organization"])
                             if data.get("organization") else None),
            "person": get_object_or_404(Person, pk=data["person"]) if data.get("person")
            else None,
            "reason": data["reason"], "years": data["years"],
            "evidence_references": data.get("evidence_references", ""),
            "evidence_files": self.files.getlist("evidence") if self.files else [],
        }


class DecisionForm(forms.Form):
    """Why a blacklist proposal is confirmed or refused (required to refuse: the service
    says so)."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=4000, required=False)


class RecheckForm(forms.Form):
    """A person's request for a re-check (复查); evidence files come as ``evidence``."""

    statement = forms.CharField(label=_("Why the record should be checked again"),
                                widget=forms.Textarea, max_length=4000, required=False)


class RecheckDecideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[
        ("upheld", _("Upheld: the record stands")), ("lifted", _("Lifted: the bar ends"))])
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=4000, required=False)


class ReviewRequestCloseForm(forms.Form):
    """Why the bureau closes a review request. An empty reason is refused by the service
    (with its message), so that the page and the service say the same thing."""

    reason = forms.CharField(label=_("Reason for closing"), widget=forms.Textarea(
        attrs={"rows": 2}), max_length=4000, required=False)


class RequeryRecordForm(forms.Form):
    """The clerk's record of a yearly record re-query (入职查询)."""

    query_reference = forms.CharField(label=_("Query reference"), max_length=64)
    query_date = DateField(label=_("Query date"))
    result = forms.ChoiceField(label=_("Result"), choices=[
        ("clear", _("No record")), ("hit", _("A record was found"))])
