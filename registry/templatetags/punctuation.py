"""Punctuation in the reader's language. ``{% colon %}`` after a translated label: Chinese
takes the full-width "：" with no space, English ": " (a colon typed into a template
came out as "状态: 已批准" on the Chinese pages)."""

from django import template
from django.utils.translation import pgettext

from registry.formatting import label_colon

register = template.Library()


@register.simple_tag
def colon() -> str:
    return label_colon()


# Between the items of a list, between clauses, between groups of items, and brackets: "、",
# "，", "；" and full-width brackets in Chinese; ", ", ", ", "; " and " (" ")" in English.
@register.simple_tag
def sep() -> str:
    return pgettext("between items of a list", ", ")


@register.simple_tag
def clause() -> str:
    return pgettext("between clauses", ", ")


@register.simple_tag
def semi() -> str:
    return pgettext("between groups", "; ")


@register.simple_tag
def lparen() -> str:
    return pgettext("opening bracket", " (")


@register.simple_tag
def rparen() -> str:
    return pgettext("closing bracket", ")")
