"""Load demonstration data: idempotent, safe to run on every start."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.timers import fire_due_timers

from documents.selectors import document_types_for
from documents.services import document_upload, document_verify
from registry import services
from registry.identifiers import make_id_number, make_uscc
from registry.models import (
    Approval,
    Bureau,
    Jurisdiction,
    Organization,
    PartnerDepartment,
    Person,
    Publication,
    School,
    ServiceCategory,
    Weekday,
)
from registry.roles import ROLE_PERMISSIONS, Role
from workflows import task_actions
from workflows.models import SelectionProcess, VettingProcess
from workflows.services import selection, vetting

DEMO_PASSWORD = "Demo@2026"

# A minimal, valid one-page PDF standing in for scanned certificates.
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")

SCHOOLS = [
    ("3601020001", "南昌市东湖区育新学校", "Yuxin School, Donghu District", "360102"),
    ("3601020002", "南昌市东湖区百花洲小学", "Baihuazhou Primary School", "360102"),
    ("3601030001", "南昌市西湖区朝阳小学", "Chaoyang Primary School", "360103"),
]

# (serial, prefix, name, kind, legal representative, county, approval jurisdiction,
#  approval status, offerings: (category, title, description, grades, fee, capacity, days))
ORGANIZATIONS = [
    (1, "91", "南昌市青苗体育培训中心有限公司", "company", "刘建国", "360102", "360100",
     "approved",
     [("sport", "少儿篮球训练营", "基础运球、传球与团队配合，注重运动安全。", (1, 6), "25.00", 30, (1, 3)),
      ("sport", "少儿围棋启蒙班", "围棋规则、基本死活与对局礼仪。", (1, 4), "20.00", 24, (2, 4))]),
    (2, "52", "南昌翰墨书法艺术培训学校", "non_profit", "周文华", "360102", "360102", "approved",
     [("arts", "硬笔书法入门", "正确握笔与楷书基本笔画。", (1, 6), "18.00", 30, (1, 5))]),
    (3, "91", "江西星火科技教育有限公司", "company", "黄志强", "360103", "360100",
     "suspended",
     [("science", "机器人编程社团", "图形化编程与简单机器人搭建。", (3, 9), "35.00", 20, (3,))]),
    (4, "91", "南昌悦读文化传播有限公司", "company", "吴丽", "360111", "360100", "case",
     [("reading", "整本书阅读分享会", "共读经典儿童文学，分享阅读感受。", (2, 6), "15.00", 30, (5,))]),
    (5, "52", "南昌市启航劳动教育服务中心", "non_profit", "吴丽", "360104", "360100", "case",
     [("labour", "小小农夫种植课", "校园种植与劳动习惯养成。", (1, 6), "12.00", 30, (2, 4))]),
    (6, "91", "南昌浪花游泳俱乐部有限公司", "company", "邓涛", "360103", "360100", "case",
     [("swimming", "少儿游泳安全入门", "水中安全常识、漂浮与蛙泳基本动作，专业救生员在场。",
       (3, 6), "25.00", 16, (2, 4))]),
]

# Partner departments (会审) of 南昌市 and the categories that need their opinion (data:
# the admin edits them): (name, English name, category codes)
DEPARTMENTS = [
    ("南昌市体育局", "Nanchang Sports Bureau", ["swimming"]),
    ("南昌市文化广电新闻出版旅游局", "Nanchang Culture and Tourism Bureau", ["arts"]),
    ("南昌市科学技术协会", "Nanchang Association for Science and Technology", ["science"]),
]

# (serial, name, kind, employing organization serial or None, approval status)
PEOPLE = [
    (1, "王秀兰", "retiree", None, "approved"),
    (2, "张伟", "professional", 1, "approved"),
    (3, "李明", "student", None, None),  # no approval yet: his vetting waits for the clerk
    (4, "陈静", "volunteer", None, "expired"),
]


class Command(BaseCommand):
    help = "Create demo bureaus' users, schools, organizations, people and approvals (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        today = timezone.localdate()
        jur = {j.code: j for j in Jurisdiction.objects.all()}
        nanchang = Bureau.objects.get(jurisdiction__code="360100")
        donghu = Bureau.objects.get(jurisdiction__code="360102")
        admin = self._user("admin", "系统管理员", superuser=True)
        logins = [("admin", "superuser / 系统管理员")]

        for code, name, name_en, county in SCHOOLS:
            School.objects.get_or_create(
                code=code, defaults={"name": name, "name_en": name_en, "county": jur[county]}
            )

        staff = [
            ("clerk", "赵敏", Role.BUREAU_CLERK, nanchang),
            ("expert1", "钱学文", Role.BUREAU_EXPERT, nanchang),
            ("expert2", "孙丽萍", Role.BUREAU_EXPERT, nanchang),
            ("expert3", "郑国华", Role.BUREAU_EXPERT, nanchang),
            ("expert4", "冯雪", Role.BUREAU_EXPERT, nanchang),
            ("approver", "杨振东", Role.BUREAU_APPROVER, nanchang),
            ("bureauadmin", "何静怡", Role.BUREAU_ADMIN, nanchang),
            ("donghuclerk", "朱海燕", Role.BUREAU_CLERK, donghu),
        ]
        for username, full_name, role, bureau in staff:
            user = self._user(username, full_name)
            self._grant(admin, user, role, bureau)
            logins.append((username, f"{Role(role).label} · {bureau.name}"))

        school = School.objects.get(code="3601020001")
        school_user = self._user("school", "育新学校课后服务负责人")
        self._grant(admin, school_user, Role.SCHOOL, school)
        logins.append(("school", f"{Role.SCHOOL.label} · {school.name}"))

        # a high-risk sport (高危险性体育项目) whose cases need the sports bureau's opinion
        ServiceCategory.objects.get_or_create(
            code="swimming", defaults={"name": "游泳", "name_en": "Swimming",
                                       "parent": ServiceCategory.objects.get(code="sport"),
                                       "sort_order": 11})
        categories = {c.code: c for c in ServiceCategory.objects.all()}
        departments = {}
        for name, name_en, codes in DEPARTMENTS:
            department, created = PartnerDepartment.objects.get_or_create(
                jurisdiction=nanchang.jurisdiction, name=name, defaults={"name_en": name_en})
            if created:
                department.categories.set([categories[c] for c in codes])
            departments[codes[0]] = department
        sports_user = self._user("sportsdept", "彭志远")
        self._grant(admin, sports_user, Role.DEPARTMENT, departments["swimming"])
        logins.append(("sportsdept", f"{Role.DEPARTMENT.label} · {departments['swimming'].name}"))
        orgs = {}
        for serial, prefix, name, kind, legal, county, appr_jur, status, offerings in ORGANIZATIONS:
            uscc = make_uscc(serial, prefix=prefix, region=county)
            org = Organization.objects.filter(uscc=uscc).first()
            if org is None:
                org = services.organization_register(
                    actor=admin, name=name, uscc=uscc, registration_kind=kind,
                    legal_representative=legal, county=jur[county],
                    address=f"江西省南昌市{jur[county].name}示范路{serial}号",
                    contact_name=legal, contact_phone=f"0791-8800{serial:04d}",
                    grant_provider_role=False,
                )
                for cat, title, desc, grades, fee, cap, days in offerings:
                    services.offering_create(
                        actor=admin, organization=org, category=categories[cat], title=title,
                        description=desc, grade_min=grades[0], grade_max=grades[1],
                        fee_per_session=Decimal(fee), capacity=cap, weekdays=Weekday.mask(days),
                    )
                if status != "case":  # "case": goes through a real selection case below
                    self._approval(admin, jur[appr_jur], status, today, organization=org,
                                   categories=[categories[o[0]] for o in offerings])
            orgs[serial] = org

        provider = self._user("provider", "刘建国")
        self._grant(admin, provider, Role.PROVIDER, orgs[1])
        logins.append(("provider", f"{Role.PROVIDER.label} · {orgs[1].name}"))

        people = {}
        for serial, name, kind, org_serial, status in PEOPLE:
            number = make_id_number(serial, birth=datetime.date(1962 + serial * 9, 3, 15))
            person = Person.objects.filter(id_number=number).first()
            if person is None:
                if org_serial is not None:  # its organization's user adds it, attesting
                    person = services.staff_register(  # the person's signed consent
                        actor=provider, organization=orgs[org_serial], name=name,
                        id_number=number, kind=kind, personal_data_consent_attested=True)
                else:  # entered before the registry asked for consent
                    person = services.person_register(actor=admin, name=name,
                                                      id_number=number, kind=kind)
                if status is not None:
                    self._approval(
                        admin, nanchang.jurisdiction, status, today, person=person,
                        categories=[categories["sport" if serial == 2 else "reading"]])
            people[serial] = person

        # a retired teacher with her own account, invited by the school: she answers the
        # invitation and consents to the record query on her own page (/registry/me/privacy/)
        teacher = self._user("teacher", "周秀兰")
        number = make_id_number(9, birth=datetime.date(1961, 5, 20))
        person = Person.objects.filter(id_number=number).first()
        if person is None:
            # she registered herself, giving her separate consent (sign-up's checkbox)
            person = services.individual_register(actor=teacher, personal_data_consent=True,
                                                  name="周秀兰", id_number=number,
                                                  kind=Person.Kind.RETIREE)
            services.school_invite(actor=school_user, school=school, id_number=number,
                                   name="周秀兰")
        logins.append(("teacher", f"{Person.Kind.RETIREE.label} · {person.name}"))

        applicant = self._user("applicant", "吴丽")
        for serial in (4, 5):
            self._grant(admin, applicant, Role.PROVIDER, orgs[serial])
        logins.append(("applicant", f"{Role.PROVIDER.label} · {orgs[4].name}, {orgs[5].name}"))
        self._documents_and_cases(admin, provider, applicant, orgs, nanchang)
        self._people_documents_and_vetting(admin, people, nanchang)
        # the public's first page is the published list: 南昌市's first one, by its
        # administrator (the list page would otherwise say that none is published yet)
        if not Publication.objects.filter(jurisdiction=nanchang.jurisdiction).exists():
            bureau_admin = get_user_model().objects.get(username="bureauadmin")
            services.publication_publish(actor=bureau_admin, bureau=nanchang)

        self.stdout.write(self.style.SUCCESS("Demo data is in place. Logins (password: "
                                             f"{DEMO_PASSWORD}):"))
        for username, what in logins:
            self.stdout.write(f"  {username:<12} {what}")

    def _documents_and_cases(self, admin, provider, applicant, orgs, nanchang):
        """Documents for every demo organization, verified for the approved ones; one
        application waiting for the clerk and one in public notice (公示)."""
        clerk = get_user_model().objects.get(username="clerk")
        uploader = {1: provider, 2: admin, 3: admin, 4: applicant, 5: applicant, 6: admin}
        for serial, org in orgs.items():
            if not org.documents.exists():
                self._upload_all(org, uploader[serial], clerk if serial in (1, 2, 3) else None)

        def tasks_of(case, node):
            return [t for t in Task.objects.filter(process_id=case.pk,
                                                   status__in=["NEW", "ASSIGNED"])
                    if t.flow_task.name == node]

        for serial in (5, 4, 6):
            org = orgs[serial]
            if SelectionProcess.objects.filter(organization=org).exists():
                continue
            case = selection.selection_apply(
        actor=admin if serial == 6 else applicant, organization=org, bureau=nanchang,
        offerings=list(org.offerings.all()))
            if serial == 5:
                continue  # waits in the clerk's queue
            for task in tasks_of(case, "qualification"):
                task_actions.task_perform(
               actor=clerk, task=task,
               data={f"doc_{d.pk}": "verify" for d in org.documents.filter(
                   superseded_at__isnull=True)})
            fire_due_timers()  # the worker's part: draw the expert panel
            for task in tasks_of(case, "expert_review"):
                task_actions.task_perform(actor=task.owner, task=task, data={
               "conflict": "no", "score_qualification": 88, "score_course-plan": 85,
               "score_safety": 90, "score_price": 80, "score_reputation": 86})
            if serial == 6:
                # swimming: the sports bureau's opinion (会审) waits for sportsdept
                continue
            approver = get_user_model().objects.get(username="approver")
            for task in tasks_of(case, "decision"):
                task_actions.task_perform(actor=approver, task=task, data={
               "decision": "approve", "reason": "材料齐全，专家评审优良，同意入选并公示。",
               "confirm": True})
            # the worker's part again, right after the decision: open the notice (the
            # worker is not running yet while the demo is seeded)
            fire_due_timers()

    def _upload_all(self, subject, uploader, verifier=None):
        """Every document the subject's checklist asks for, verified by ``verifier`` if
        one is named."""
        today = timezone.localdate()
        for kind in document_types_for(subject):
            # issued two months ago, or as recently as the type asks of an application
            # (a credit report: at most 30 days old when submitted)
            age = 60 if kind.max_age_days is None else min(60, kind.max_age_days // 2)
            # a course plan (课程方案) for each active offering
            for offering in (subject.offerings.filter(is_active=True).order_by("pk")
                             if kind.per_offering else [None]):
                document = document_upload(
                    actor=uploader, subject=subject, document_type=kind,
                    file=ContentFile(DEMO_PDF, name=f"{kind.code}.pdf"),
                    filename=f"{kind.display_name}.pdf",
                    issued_on=today - datetime.timedelta(days=age),
                    expires_on=today + datetime.timedelta(days=300) if kind.expires
                    else None, offering=offering)
                if verifier is not None:
                    document_verify(actor=verifier, document=document)

    def _people_documents_and_vetting(self, admin, people, nanchang):
        """The demo people's documents, verified for those approved (nobody shows as
        available without them), and 李明's vetting case waiting for the clerk."""
        clerk = get_user_model().objects.get(username="clerk")
        for serial, person in people.items():
            if not person.documents.exists():
                self._upload_all(person, admin, None if serial == 3 else clerk)
        if not VettingProcess.objects.filter(person=people[3]).exists():
            vetting.vetting_start(actor=admin, person=people[3], bureau=nanchang)

    def _user(self, username, full_name, superuser=False):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": full_name, "email": f"{username}@demo.invalid",
                      "is_staff": superuser, "is_superuser": superuser},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def _grant(self, actor, user, role, target):
        if not user.has_perm(f"registry.{self._codename(role, target)}", target):
            services.role_grant(actor=actor, user=user, role=role, target=target)

    @staticmethod
    def _codename(role, target):
        return ROLE_PERMISSIONS[Role(role)][target._meta.label_lower]

    def _approval(self, actor, jurisdiction, status, today, **subject):
        approval = services.approval_create(
            actor=actor, jurisdiction=jurisdiction, categories=subject.pop("categories"),
            reason="演示数据 / demo data", **subject,
        )
        if status == Approval.Status.PENDING:
            return approval
        if status == Approval.Status.EXPIRED:
            start, end = today - datetime.timedelta(days=400), today - datetime.timedelta(days=35)
        else:
            start, end = today - datetime.timedelta(days=30), today + datetime.timedelta(days=335)
        approval = services.approval_approve(actor=actor, approval=approval, valid_from=start,
                                             valid_until=end, reason="演示数据 / demo data")
        if status == Approval.Status.SUSPENDED:
            services.approval_suspend(actor=actor, approval=approval,
                                      reason="演示：健康证明已过期 / demo: health certificate "
                                             "expired")
        elif status == Approval.Status.EXPIRED:
            services.approval_expire(actor=actor, approval=approval,
                                     reason="演示：有效期届满 / demo: term ended")
        return approval
