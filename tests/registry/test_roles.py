import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from guardian.shortcuts import assign_perm, remove_perm

from registry import selectors, services
from registry.models import AuditEvent, Bureau
from registry.roles import Role
from tests.factories import OrganizationFactory, SchoolFactory, UserFactory


@pytest.mark.django_db
def test_grant_gives_group_and_object_permission_on_that_object_only(nanchang_bureau):
    admin, clerk = UserFactory(), UserFactory()
    other = Bureau.objects.get(jurisdiction__code="360200")

    services.role_grant(actor=admin, user=clerk, role=Role.BUREAU_CLERK, target=nanchang_bureau)

    assert clerk.groups.filter(name="bureau_clerk").exists()
    assert clerk.has_perm("registry.clerk_bureau", nanchang_bureau)
    assert not clerk.has_perm("registry.clerk_bureau", other)
    assert not clerk.has_perm("registry.approve_bureau", nanchang_bureau)
    assert list(selectors.objects_for_role(clerk, Role.BUREAU_CLERK, "registry.bureau")) == [
        nanchang_bureau]
    event = AuditEvent.objects.for_object(nanchang_bureau).get(action="role.grant")
    assert event.data == {"user": clerk.username, "role": "bureau_clerk"}


@pytest.mark.django_db
def test_provider_of_one_organization_cannot_act_for_another():
    admin, provider = UserFactory(), UserFactory()
    mine, theirs = OrganizationFactory(), OrganizationFactory()
    services.role_grant(actor=admin, user=provider, role=Role.PROVIDER, target=mine)
    assert provider.has_perm("registry.act_for_organization", mine)
    assert not provider.has_perm("registry.act_for_organization", theirs)


@pytest.mark.django_db
def test_role_cannot_be_granted_on_the_wrong_kind_of_object():
    admin, user = UserFactory(), UserFactory()
    with pytest.raises(ValidationError):
        services.role_grant(actor=admin, user=user, role=Role.SCHOOL, target=OrganizationFactory())
    with pytest.raises(ValidationError):
        services.role_grant(actor=admin, user=user, role="janitor", target=SchoolFactory())
    assert not user.groups.exists()
    assert not AuditEvent.objects.filter(action="role.grant").exists()


@pytest.mark.django_db
def test_revoke_removes_permission_and_group_with_the_last_object():
    admin, user = UserFactory(), UserFactory()
    a, b = SchoolFactory(), SchoolFactory()
    services.role_grant(actor=admin, user=user, role=Role.SCHOOL, target=a)
    services.role_grant(actor=admin, user=user, role=Role.SCHOOL, target=b)
    services.role_revoke(actor=admin, user=user, role=Role.SCHOOL, target=a)
    user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    assert not user.has_perm("registry.act_for_school", a)
    assert user.has_perm("registry.act_for_school", b)
    assert user.groups.filter(name="school").exists()
    services.role_revoke(actor=admin, user=user, role=Role.SCHOOL, target=b)
    assert not user.groups.filter(name="school").exists()


@pytest.mark.django_db
def test_object_permissions_are_asked_once_per_user_object_and_forgotten_on_change(
        nanchang_bureau, django_assert_num_queries):
    """The backend keeps guardian's answers on the user object (as ModelBackend does for
    global permissions); granting or revoking a role on that object drops them."""
    admin, clerk = UserFactory(), UserFactory()
    other = Bureau.objects.get(jurisdiction__code="360200")
    services.role_grant(actor=admin, user=clerk, role=Role.BUREAU_CLERK, target=nanchang_bureau)
    with django_assert_num_queries(2):  # the user's and the groups' permissions on it
        assert clerk.has_perm("registry.clerk_bureau", nanchang_bureau)
    with django_assert_num_queries(0):
        assert clerk.has_perm("registry.clerk_bureau", nanchang_bureau)
        assert not clerk.has_perm("registry.approve_bureau", nanchang_bureau)
    assert not clerk.has_perm("registry.clerk_bureau", other)

    # the same user object sees its own changes at once
    services.role_grant(actor=admin, user=clerk, role=Role.BUREAU_CLERK, target=other)
    assert clerk.has_perm("registry.clerk_bureau", other)
    services.role_revoke(actor=admin, user=clerk, role=Role.BUREAU_CLERK, target=nanchang_bureau)
    assert not clerk.has_perm("registry.clerk_bureau", nanchang_bureau)


@pytest.mark.django_db
def test_granted_objects_answers_what_objects_for_role_does():
    """School search reads the school by one fixed statement (granted_objects): the same
    grants as objects_for_role, to the user or through one of its groups."""
    from django.contrib.auth.models import AnonymousUser

    from tests.factories import GroupFactory

    own, via_group, other = SchoolFactory(), SchoolFactory(), SchoolFactory()
    user, stranger = UserFactory(), UserFactory()
    services.role_grant(actor=None, user=user, role=Role.SCHOOL, target=own)
    services.role_grant(actor=None, user=stranger, role=Role.SCHOOL, target=other)
    team = GroupFactory(name="school team")
    team.user_set.add(user)
    assign_perm("registry.act_for_school", team, via_group)

    def granted(who, **kwargs):
        return sorted(s.pk for s in selectors.granted_objects(
            who, Role.SCHOOL, "registry.school", limit=10, **kwargs))

    assert granted(user) == sorted([own.pk, via_group.pk]) == sorted(
        selectors.objects_for_role(user, Role.SCHOOL, "registry.school")
        .values_list("pk", flat=True))
    assert granted(user, pk=via_group.pk) == [via_group.pk]
    assert granted(user, pk=other.pk) == []
    assign_perm("registry.act_for_school", team, own)  # given twice: still one school
    assert granted(user) == sorted([own.pk, via_group.pk])
    assert granted(user, pk=own.pk) == [own.pk]
    remove_perm("registry.act_for_school", team, own)
    assert len(selectors.granted_objects(user, Role.SCHOOL, "registry.school", limit=1)) == 1
    assert granted(AnonymousUser()) == []
    assert selectors.granted_objects(user, Role.PROVIDER, "registry.school") == []
    services.role_revoke(actor=None, user=user, role=Role.SCHOOL, target=own)
    assert granted(user) == [via_group.pk]
    via_group.delete()  # a grant left on a deleted object names nothing
    assert granted(user) == []


@pytest.mark.django_db
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="a PostgreSQL query plan (CI runs it there)")
def test_the_objects_a_user_acts_for_are_found_by_key_not_by_reading_the_table():
    """Every portal page lists the organizations its user acts for (the menu). Asked as
    ``pk IN (user grants) OR pk IN (group grants)``, PostgreSQL tested both for every
    organization (a sequential scan: 16 ms a page at 100k organizations); asked as one
    union, it finds the few granted ones by their key."""
    from tests.factories import GroupFactory

    OrganizationFactory.create_batch(3000)
    own, via_group = OrganizationFactory(), OrganizationFactory()
    user = UserFactory()
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=own)
    team = GroupFactory(name="provider team")
    team.user_set.add(user)
    assign_perm("registry.act_for_organization", team, via_group)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_organization")
    found = selectors.objects_for_role(user, Role.PROVIDER, "registry.organization")
    assert sorted(found.values_list("pk", flat=True)) == sorted([own.pk, via_group.pk])
    plan = found.only("pk", "name").order_by("name")[:10].explain()
    assert "Seq Scan on registry_organization" not in plan, plan
