"""The people the benchmarks act as: a clerk, experts and an approver of the measured
bureau, a school user, and the provider who applies. Created once, through the same role
service as everywhere else."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from bench.generate import INBOX_BUREAU_CODE, PROVIDER_USERNAME
from registry import services as registry_services
from registry.models import Bureau, School
from registry.roles import Role


@dataclass
class Actors:
    bureau: Bureau
    clerk: object
    experts: list
    approver: object
    school: School
    school_user: object
    provider: object


def _user(username: str, role: str | None = None, target=None):
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@bench.invalid"})
    if created and role is not None:
        registry_services.role_grant(actor=None, user=user, role=role, target=target)
    return user


@transaction.atomic
def ensure_actors() -> Actors:
    bureau = Bureau.objects.select_related("jurisdiction").get(
        jurisdiction__code=INBOX_BUREAU_CODE)
    school = School.objects.filter(county__parent=bureau.jurisdiction).order_by("code").first()
    return Actors(
        bureau=bureau,
        clerk=_user("bench_clerk", Role.BUREAU_CLERK, bureau),
        experts=[_user(f"bench_expert{n}", Role.BUREAU_EXPERT, bureau) for n in range(1, 5)],
        approver=_user("bench_approver", Role.BUREAU_APPROVER, bureau),
        school=school,
        school_user=_user("bench_school", Role.SCHOOL, school),
        provider=_user(PROVIDER_USERNAME),
    )
