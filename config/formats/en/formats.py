"""The same dates are accepted under the English interface (a Chinese date typed or pasted
there is still a date)."""

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y年%m月%d日", "%Y/%m/%d", "%m/%d/%Y"]
