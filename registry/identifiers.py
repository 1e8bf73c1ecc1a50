"""Build well-formed identifiers for demo, test and load data.

Real check algorithms (GB 11714 for the organization code inside a unified
social credit code, then GB 32100 and GB 11643 through python-stdnum), so the
numbers pass the same validators as user input.
"""

import datetime

from stdnum.cn import ric, uscc

_ORG_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_code_check(body: str) -> str:
    total = sum(int(ch, 36) * w for ch, w in zip(body, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(serial: int, *, prefix: str = "91", region: str = "360102") -> str:
    """A valid unified social credit code for ``serial`` (deterministic, unique per serial).

    ``prefix`` is the registration authority and kind: 91 company, 52 private
    non-enterprise unit, 12 public institution.
    """
    body = f"{serial % 10**8:08d}"
    org_code = body + _org_code_check(body)
    first17 = f"{prefix}{region}{org_code}"
    return first17 + uscc.calc_check_digit(first17)


def make_id_number(serial: int, *, region: str = "360102",
                   birth: datetime.date = datetime.date(1960, 5, 1)) -> str:
    """A valid 18-digit resident ID number; ``serial`` picks the 3-digit sequence and,
    beyond 1000, shifts the birth date so numbers stay unique."""
    day = birth + datetime.timedelta(days=serial // 1000)
    first17 = f"{region}{day:%Y%m%d}{serial % 1000:03d}"
    # stdnum expects a placeholder where the check digit goes.
    return first17 + ric.calc_check_digit(first17 + "0")
