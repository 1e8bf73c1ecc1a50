"""What the selection journeys' API takes to start a case: an application, a vetting.

Every id in them is one the caller may use (``registry.api.fields``): another
organization's offering, person or the organization itself reads as a number nobody holds."""

from rest_framework import serializers

from registry.api.fields import ScopedPrimaryKeyRelatedField
from registry.models import Bureau, Offering, Organization, Person, School
from registry.requests import schools_of
from registry.roles import Role
from registry.selectors import objects_for_role, people_acted_for, people_tied_to_schools
from workflows.models import CallForApplications


def _organizations(user):
    return objects_for_role(user, Role.PROVIDER, "registry.organization")


def _offerings(user):
    return Offering.objects.filter(organization__in=_organizations(user).values("pk"))


def _staff(user):
    return Person.objects.filter(organization__in=_organizations(user).values("pk"))


def people_to_vet(user):
    """Whom ``user`` may name in a vetting (``vetting_start`` decides, case by case): the
    people they act for, and those tied to a school they act for."""
    return people_acted_for(user) | people_tied_to_schools(schools_of(user).values("pk"))


class ApplySerializer(serializers.Serializer):
    organization = ScopedPrimaryKeyRelatedField(model=Organization, scope=_organizations)
    bureau = serializers.PrimaryKeyRelatedField(queryset=Bureau.objects.all())
    call = serializers.PrimaryKeyRelatedField(queryset=CallForApplications.objects.all(),
                                              required=False, allow_null=True)
    offerings = ScopedPrimaryKeyRelatedField(model=Offering, scope=_offerings, many=True)
    roster = ScopedPrimaryKeyRelatedField(model=Person, scope=_staff, many=True,
                                          required=False)


class VettingStartSerializer(serializers.Serializer):
    person = ScopedPrimaryKeyRelatedField(model=Person, scope=people_to_vet)
    # any bureau may be asked (a person consents to any): their ids are no secret
    bureau = serializers.PrimaryKeyRelatedField(queryset=Bureau.objects.all())
    school = ScopedPrimaryKeyRelatedField(model=School, scope=schools_of, required=False,
                                          allow_null=True)
    consent = serializers.BooleanField(
        default=False,
        help_text="The person, starting their own vetting, consents to the bureau's record "
                  "query (入职查询); recorded with time and address.")
