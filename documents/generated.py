"""The forms a bureau asks for, generated as PDFs from what the provider entered: the
application form (申请表) and the commitment letter (承诺书). The provider prints, signs and
stamps them and uploads them back as documents of those types.

reportlab with the system's CJK font (WenQuanYi Micro Hei, ``registry.fonts``); nothing
personal beyond what the provider entered themself (the ID number masked)."""

from __future__ import annotations

import io

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from registry.fonts import cjk_font
from registry.models import Organization, Person

FORMS = ("application", "commitment")


def _styles():
    font = cjk_font()
    return (ParagraphStyle("title", fontName=font, fontSize=18, leading=26, alignment=1,
                           spaceAfter=12),
            ParagraphStyle("body", fontName=font, fontSize=11, leading=18, wordWrap="CJK"))


def _rows(subject) -> list[tuple[str, str]]:
    if isinstance(subject, Organization):
        offerings = "；".join(
            f"{o.title}（{o.category.name}，{o.grade_min}–{o.grade_max} 年级，每次 "
            f"{o.fee_per_session} 元）"
            for o in subject.offerings.filter(is_active=True).select_related("category")
            .order_by("pk")[:50]) or "—"
        return [("机构名称", subject.name), ("统一社会信用代码", subject.uscc),
                ("服务主体类型", subject.get_provider_kind_display()),
                ("登记类型", subject.get_registration_kind_display()),
                ("法定代表人", subject.legal_representative),
                ("注册地", subject.county.name), ("地址", subject.address),
                ("联系人", subject.contact_name), ("联系电话", subject.contact_phone),
                ("申报课程项目", offerings)]
    return [("姓名", subject.name), ("居民身份证号码", subject.masked_id),
            ("人员类别", subject.get_kind_display()),
            ("所属机构", subject.organization.name if subject.organization_id else "无（个人）"),
            ("联系电话", subject.phone or "—"), ("电子邮箱", subject.email or "—")]


def _signature_block(subject, body) -> list:
    who = "法定代表人签字（机构盖章）" if isinstance(subject, Organization) else "本人签字"
    today = timezone.localdate()
    return [Spacer(1, 16 * mm), Paragraph(f"{who}：____________________", body),
            Spacer(1, 6 * mm),
            Paragraph(f"日期：{today.year} 年 ____ 月 ____ 日", body)]


def _application(subject, title, body) -> list:
    table = Table([[Paragraph(k, body), Paragraph(str(v), body)] for k, v in _rows(subject)],
                  colWidths=[45 * mm, 120 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "#444444"),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    heading = ("课后服务校外机构遴选申请表" if isinstance(subject, Organization)
               else "课后服务外聘人员资格审查申请表")
    return [Paragraph(heading, title), table, Spacer(1, 6 * mm),
            Paragraph("本人/本单位保证以上信息真实、准确、完整。", body),
            *_signature_block(subject, body)]


COMMITMENTS = {
    "organization": [
        "严格遵守国家和本省关于课后服务的规定，只提供非学科类服务，不讲授新课，不开展学科类培训。",
        "按核定标准收费，对家庭经济困难学生免收服务费用，不以任何名义额外收费。",
        "所派人员均经资格审查，无违法犯罪记录，身心健康；人员变动及时报告教育局。",
        "落实安全责任，制定安全预案并购买责任保险，发生安全事故立即报告。",
        "所提交的材料真实有效，如有虚假，愿承担一切责任并接受退出、列入黑名单等处理。",
    ],
    "person": [
        "本人自愿参与课后服务，遵守学校管理规定和师德规范，不讲授新课，不开展学科类培训。",
        "本人无违法犯罪记录，同意教育部门依法进行入职查询。",
        "本人身心健康，能够胜任所承担的课后服务工作。",
        "本人所提交的材料真实有效，如有虚假，愿承担一切责任。",
    ],
}


def _commitment(subject, title, body) -> list:
    is_org = isinstance(subject, Organization)
    who = subject.name
    items = COMMITMENTS["organization" if is_org else "person"]
    parts = [Paragraph("课后服务承诺书", title),
             Paragraph(f"{'本单位' if is_org else '本人'}（{who}）郑重承诺：", body),
             Spacer(1, 4 * mm)]
    parts += [Paragraph(f"{n}. {text}", body) for n, text in enumerate(items, start=1)]
    return [*parts, *_signature_block(subject, body)]


def generated_form_pdf(subject: Organization | Person, form: str) -> bytes:
    """The PDF of ``form`` (``application`` or ``commitment``) for ``subject``."""
    if form not in FORMS:
        raise ValueError(form)
    title, body = _styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                                 topMargin=20 * mm, bottomMargin=20 * mm,
                                 title=f"{form} · {subject}", author="after-school registry")
    build = _application if form == "application" else _commitment
    document.build(build(subject, title, body))
    return buffer.getvalue()
