"""Dates as people in China write them are accepted in every form: 2026-09-01, 2026年9月1日,
2026/9/1, 2026.9.1 (Django's own zh_Hans formats take only the first two with zero padding
and the picker's ISO form); shown as Django's zh_Hans formats show them, 2026年9月1日."""

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y年%m月%d日", "%Y/%m/%d", "%Y.%m.%d"]
# amounts as ¥1,234.00: thousands, as banks and invoices print them
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
