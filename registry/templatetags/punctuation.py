"""Punctuation in the reader's language. ``{% colon %}`` after a translated label: Chinese
takes the full-width "：" with no space, English ": " (a colon typed into a template
came out as "状态: 已批准" on the Chinese pages)."""

from django import template

from registry.formatting import label_colon

register = template.Library()


@register.simple_tag
def colon() -> str:
    return label_colon()
