"""What ties a person to a school, and the person's own consent to the record query.

A school may ask a bureau to vet a person only when the person is tied to it, and the
bureau may query the person's records (入职查询) only with the person's consent. Both are
given by the person in their own account (or, for consent, on a signed form a clerk
verified): nothing a school uploads or types for the person counts.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .fields import user_field
from .transitions import StatusTransitions


class SchoolInvitation(StatusTransitions, models.Model):
    """A school's invitation to a person, by the name and ID number it typed; accepted in
    the person's own account, it ties the person to the school (the school may then ask for
    their vetting).

    Every invitation is kept, whether or not it matched anyone, so that the school sees and
    may withdraw what it sent without learning who is registered: it holds the name as
    typed, the number masked and a keyed digest of it (never the number), and ``person``
    only when they match a registered person with an account. ``answered_at`` is set only by
    the person's own answer: until then the school is not told whom it reached."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Sent, waiting for the person's answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    TRANSITIONS = {
        Status.PENDING: {Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN},
        Status.ACCEPTED: {Status.WITHDRAWN},
    }
    transition_refused = _(
        "This invitation is %(current)s: it can no longer be answered or withdrawn.")

    school = models.ForeignKey("registry.School", verbose_name=_("school"),
                               on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey("registry.Person", verbose_name=_("person"),
                               on_delete=models.CASCADE, related_name="school_invitations",
                               null=True, blank=True)
    invited_name = models.CharField(_("name as typed"), max_length=64)
    masked_id_number = models.CharField(_("ID number (masked)"), max_length=18)
    id_number_digest = models.CharField(_("ID number digest"), max_length=64, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.PENDING)
    invited_by = user_field(_("invited by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_from = models.GenericIPAddressField(_("answered from"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("school invitation")
        verbose_name_plural = _("school invitations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "id_number_digest", "invited_name"],
                                    condition=Q(status__in=["pending", "accepted"]),
                                    name="invitation_one_live_per_school"),
        ]

    def __str__(self) -> str:
        # the same for a row that matched and one that did not (it names audit events)
        return f"{self.school} → {self.invited_name} ({self.masked_id_number})"

    @property
    def answered_by_person(self) -> bool:
        """Whether the person has answered (accepted, declined, or withdrawn themself):
        only then may the school be told whom the invitation reached."""
        return self.person_id is not None and self.answered_at is not None


class RecordQueryConsent(models.Model):
    """The person's own consent (知情同意) to one bureau's record query, for one purpose,
    given in their own account: when, from which address. Withdrawn consent no longer
    counts for a query not yet made."""

    class Purpose(models.TextChoices):
        VETTING = "vetting", _("Pre-engagement record query (入职查询) for after-school service")
        REQUERY = "requery", _("Yearly record re-query while in after-school service")

    person = models.ForeignKey("registry.Person", verbose_name=_("person"),
                               on_delete=models.CASCADE, related_name="query_consents")
    bureau = models.ForeignKey("registry.Bureau", verbose_name=_("bureau"),
                               on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices,
                               default=Purpose.VETTING)
    given_by = user_field(_("given by"))
    given_at = models.DateTimeField(_("given"), auto_now_add=True)
    given_from = models.GenericIPAddressField(_("given from"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent to the record query")
        verbose_name_plural = _("consents to the record query")
        ordering = ["-given_at", "-pk"]
        indexes = [models.Index(fields=["person", "bureau"], name="consent_person_bureau_idx")]

    def __str__(self) -> str:
        return f"{self.person} → {self.bureau} ({self.purpose})"


class PersonalDataConsentQuerySet(models.QuerySet):
    def in_force(self):
        """The rows that count: not withdrawn (:attr:`PersonalDataConsent.in_force`, the
        same rule for one row)."""
        return self.filter(withdrawn_at__isnull=True)


class PersonalDataConsent(models.Model):
    """The person's separate consent (单独同意, Personal Information Protection Law art. 29)
    to the registry holding their sensitive personal information: the resident ID number,
    with the phone number beside it. Asked where the person first enters the number
    themself (registering as an individual, on the web or through the API) and, for a person
    registered before it was asked or by their organization, on their privacy page: who,
    when, from which address, and the text they read (``VERSION``). A person may give it
    again; the newest row is the one in force.

    An organization adding a staff member (who usually has no account yet) attests, per
    person, that it holds the person's signed separate consent form (个人信息单独同意书) to
    the same text: a row of ``Kind.ATTESTED``, given by the organization's user, naming the
    organization. It is the organization's word, not the person's: the person may still give
    their own consent (``Kind.SELF``), which is the stronger and is the one shown first.

    The person may withdraw it in their own account (art. 15): every row in force, their
    own and the organization's attestation, is marked withdrawn (when, by whom, from which
    address) and counts no more; giving it again makes a new row. What "in force" means is
    written once: :meth:`PersonalDataConsentQuerySet.in_force` and :attr:`in_force`."""

    class Kind(models.TextChoices):
        SELF = "self", _("Given by the person")
        ATTESTED = "attested", _("Attested by the organization (signed form held)")

    # The text the person consents to, point by point, and its version. A consent is to
    # the text it names: change a word of POINTS or LABEL and VERSION changes with it (a
    # test pins the two together), so that a person who read an older text is asked again.
    VERSION = "2026-05"
    POINTS = (
        _("What is collected: your resident ID number and, if you give it, your phone "
          "number."),
        _("Why: to check who you are, and for the record query (入职查询) that the law "
          "requires before anyone works with pupils."),
        _("Who sees them: only the reviewing staff of the education bureau that vets you; "
          "anyone else sees your ID number masked."),
        _("How long: while you are registered; after that, only as long as the education "
          "bureau's archive rules require."),
        _("Your rights: you may see what is held about you on “My personal data and "
          "consent” and ask for a correction."),
    )
    LABEL = _("I have read the above and separately consent to the registry holding my ID "
              "number and phone number for these purposes.")
    REQUIRED = _("Tick the box to give your separate consent: without it the registry may "
                 "not hold your ID number. Nothing was saved.")
    # What the organization attests when it adds a staff member (the form it holds must
    # cover POINTS, of VERSION; a test pins these words to VERSION as well)
    ATTESTATION_LABEL = _("We hold this person's signed separate consent form (个人信息单独同意书) "
                          "to the registry holding their ID number and phone number for "
                          "vetting, covering the points above; we keep it and show it to the "
                          "education bureau on request.")
    ATTESTATION_REQUIRED = _("Tick the box to confirm that you hold this person's signed "
                             "separate consent form: without it the registry may not hold "
                             "their ID number. Nothing was saved.")
    # What follows a withdrawal, told to the person before they confirm it
    WITHDRAWAL_CONSEQUENCES = (
        _("The education bureau can no longer vet you: no record query (入职查询) is made "
          "for you and no new approval is granted while your consent is withdrawn."),
        _("Your approvals stop being in force at once: you disappear from the schools' "
          "search, your entry permits are suspended at the school gate, and the "
          "engagements resting on your approvals are suspended."),
        _("The schools engaging you and the education bureau are told that your approval "
          "is suspended (never your ID number)."),
        _("What is already held is kept only as long as the education bureau's archive "
          "rules require, and used for nothing else."),
        _("You may give your consent again later on this page and ask the education "
          "bureau to resume your approval: it decides; giving consent again does not by "
          "itself put your approval back in force."),
    )
    WITHDRAW_CONFIRM_LABEL = _("I understand what follows and withdraw my separate consent.")
    WITHDRAW_CONFIRM_REQUIRED = _("Tick the box to confirm the withdrawal. Nothing was "
                                  "changed.")
    NOTHING_TO_WITHDRAW = _("No separate consent of yours is in force: there is nothing to "
                            "withdraw. Nothing was changed.")

    person = models.ForeignKey("registry.Person", verbose_name=_("person"),
                               on_delete=models.CASCADE, related_name="data_consents")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.SELF)
    organization = models.ForeignKey("registry.Organization", verbose_name=_("organization"),
                                     on_delete=models.PROTECT, related_name="+",
                                     null=True, blank=True)
    version = models.CharField(_("text version"), max_length=16)
    given_by = user_field(_("given by"))
    given_at = models.DateTimeField(_("given"), auto_now_add=True)
    given_from = models.GenericIPAddressField(_("given from"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = user_field(_("withdrawn by"), null=True)
    withdrawn_from = models.GenericIPAddressField(_("withdrawn from"), null=True, blank=True)

    objects = PersonalDataConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("separate consent to hold the ID number")
        verbose_name_plural = _("separate consents to hold the ID number")
        ordering = ["-given_at", "-pk"]
        constraints = [
            # an attestation names the organization that holds the form; the person's own
            # consent names none
            models.CheckConstraint(
                condition=(Q(kind="self", organization__isnull=True)
                           | Q(kind="attested", organization__isnull=False)),
                name="data_consent_attested_names_organization"),
            # withdrawn: when and by whom, together
            models.CheckConstraint(
                condition=(Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True)
                           | Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False)),
                name="data_consent_withdrawn_says_by_whom"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_kind_display()}, {self.version})"

    @property
    def in_force(self) -> bool:
        """Counts: not withdrawn (the queryset's ``in_force()``, for one row)."""
        return self.withdrawn_at is None

    @property
    def is_current(self) -> bool:
        """Given to the text in force (an older text's consent asks again)."""
        return self.version == self.VERSION
