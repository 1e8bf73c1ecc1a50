"""Builders shared by the tests of published lists, search, engagements and sanctions."""

import datetime
from decimal import Decimal

from django.utils import timezone

from registry import services
from registry.models import EVALUATION_RUBRIC, Approval, Bureau
from registry.roles import Role
from tests.factories import (
    OfferingFactory,
    OrganizationFactory,
    PersonFactory,
    SchoolFactory,
    UserFactory,
    category,
    jurisdiction,
)

TODAY = timezone.localdate


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def bureau_admin(code: str = "360100"):
    """A user administering the bureau of ``code``."""
    user = UserFactory()
    bureau = Bureau.objects.get(jurisdiction__code=code)
    services.role_grant(actor=None, user=user, role=Role.BUREAU_ADMIN, target=bureau)
    return user, bureau


def school_user(county: str = "360102", **school):
    user = UserFactory()
    school = SchoolFactory(county=jurisdiction(county), **school)
    services.role_grant(actor=None, user=user, role=Role.SCHOOL, target=school)
    return user, school


def approve(*, organization=None, person=None, where: str = "360100",
            categories=("sport",), valid_from=None, valid_until=None, status="approved",
            expert_score=None, grades=None) -> Approval:
    """An approval in ``status``, built through the services (so it is audited);
    ``grades`` (lowest, highest): what an individual's covers (every grade if not given)."""
    actor = None
    approval = services.approval_create(
        actor=actor, jurisdiction=jurisdiction(where), organization=organization,
        person=person, categories=[category(c) for c in categories],
        expert_score=None if expert_score is None else Decimal(expert_score), grades=grades,
    )
    if status in ("approved", "suspended", "expired"):
        services.approval_approve(actor=actor, approval=approval,
                                  valid_from=valid_from or days(-10),
                                  valid_until=valid_until or days(365))
    if status == "suspended":
        services.approval_suspend(actor=actor, approval=approval, reason="测试")
    elif status == "expired":
        services.approval_expire(actor=actor, approval=approval, reason="测试")
    elif status == "revoked":
        services.approval_revoke(actor=actor, approval=approval, reason="测试")
    approval.refresh_from_db()
    return approval


def organization(name: str, *offerings, county: str = "360102"):
    """An organization with offerings ``(title, category, fee, description)``, indexed."""
    org = OrganizationFactory(name=name, county=jurisdiction(county))
    for spec in offerings:
        title, code, fee, *rest = spec
        services.offering_create(
            actor=None, organization=org, category=category(code), title=title,
            description=rest[0] if rest else "", grade_min=rest[1] if len(rest) > 1 else 1,
            grade_max=rest[2] if len(rest) > 2 else 6, fee_per_session=Decimal(fee),
            capacity=30, weekdays=rest[3] if len(rest) > 3 else 0b0000101,
        )
    services.search_index_refresh(organization=org)
    return org


def person(name: str, kind: str = "retiree"):
    p = PersonFactory(name=name, kind=kind)
    services.search_index_refresh(person=p)
    return p


__all__ = ["OfferingFactory", "TODAY"]


def rubric(score: int) -> dict[str, int]:
    """The same score on every item of the rubric (学期考核): ``score`` × 20 %."""
    return {item.key: score for item in EVALUATION_RUBRIC}


def published_list() -> dict:
    """Nanchang's published list of two organizations (arts) and one retiree whose approval
    ends in 20 days, as its bureau administrator publishes it: what the tests of a list's
    standing change (suspend, revoke, let lapse) and read again."""
    org = organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25"))
    approve(organization=org, categories=("arts",))
    other = organization("南昌墨香书法培训有限公司", ("少儿书法", "arts", "30"))
    approve(organization=other, categories=("arts",))
    coach = person("赵文静")
    approve(person=coach, categories=("arts",), valid_until=days(20))
    admin, bureau = bureau_admin("360100")
    publication = services.publication_publish(actor=admin, bureau=bureau)
    return {"org": org, "other": other, "coach": coach, "admin": admin, "bureau": bureau,
            "url": f"/registry/lists/p/{publication.pk}/", "publication": publication}
