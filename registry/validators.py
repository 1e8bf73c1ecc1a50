"""Validators for Chinese identifiers, with messages users understand.

The check algorithms are python-stdnum's (GB 32100-2015 for the unified
social credit code, GB 11643-1999 for the resident ID number); this module
only maps their exceptions to translated messages and normalises input.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exc
from stdnum.cn import ric, uscc


def normalize_uscc(value: str) -> str:
    """Return the code without spaces or dashes, upper case."""
    return uscc.compact(value or "")


def validate_uscc(value: str) -> None:
    """Refuse anything that is not a valid 18-character unified social credit code."""
    code = normalize_uscc(value)
    try:
        uscc.validate(code)
    except stdnum_exc.InvalidLength:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="uscc_length",
            params={"n": len(code)},
        ) from None
    except stdnum_exc.InvalidFormat:
        raise ValidationError(
            _(
                "A unified social credit code may contain only digits and the capital "
                "letters A–Y except I, O, S, V and Z."
            ),
            code="uscc_format",
        ) from None
    except stdnum_exc.InvalidChecksum:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong; "
              "please check for a typing error."),
            code="uscc_checksum",
        ) from None
    except stdnum_exc.ValidationError:
        raise ValidationError(
            _("This is not a valid unified social credit code."), code="uscc_invalid"
        ) from None


def normalize_id_number(value: str) -> str:
    """Return the ID number without spaces, with a trailing check letter upper case."""
    return ric.compact(value or "").upper()


def validate_id_number(value: str) -> None:
    """Refuse anything that is not a valid 18-digit resident ID number (身份证号)."""
    number = normalize_id_number(value)
    try:
        ric.validate(number)
    except stdnum_exc.InvalidLength:
        raise ValidationError(
            _("A resident ID number has 18 characters; this one has %(n)d."),
            code="id_length",
            params={"n": len(number)},
        ) from None
    except stdnum_exc.InvalidFormat:
        raise ValidationError(
            _("A resident ID number has 17 digits followed by a digit or X."),
            code="id_format",
        ) from None
    except stdnum_exc.InvalidChecksum:
        raise ValidationError(
            _("The check digit of this resident ID number is wrong; "
              "please check for a typing error."),
            code="id_checksum",
        ) from None
    except stdnum_exc.InvalidComponent:
        try:
            ric.get_birth_date(number)
        except stdnum_exc.ValidationError:
            raise ValidationError(
                _("The birth date in this resident ID number does not exist."),
                code="id_birth_date",
            ) from None
        # stdnum also refuses a region code that did not exist in the birth year,
        # but numbers are assigned where one is registered when the card is issued:
        # a retired teacher born in 1960 rightly holds 360102… (东湖区, since 1983).
        # A code that never existed is still refused.
        if not _region_ever_existed(number[:6]):
            raise ValidationError(
                _("The region code in this resident ID number is unknown."),
                code="id_region",
            ) from None
    except stdnum_exc.ValidationError:
        raise ValidationError(
            _("This is not a valid resident ID number."), code="id_invalid"
        ) from None
    if ric.get_birth_date(number) > timezone.localdate():
        raise ValidationError(
            _("The birth date in this resident ID number does not exist."),
            code="id_birth_date",
        )


ADULT_AGE = 18


def validate_adult_id_number(value: str, *, on=None) -> None:
    """Refuse the ID number of someone under 18 on ``on`` (today): only adults may teach
    in after-school service. The number itself must already be valid."""
    born = ric.get_birth_date(normalize_id_number(value))
    day = on or timezone.localdate()
    age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    if age < ADULT_AGE:
        raise ValidationError(
            _("Only adults may register: the birth date in this ID number makes the person "
              "%(age)s years old (at least %(min)s)."),
            code="id_under_age", params={"age": age, "min": ADULT_AGE})


def _region_ever_existed(code: str) -> bool:
    from stdnum import numdb

    info = {k: v for _part, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    return bool(info.get("county"))


def mask_id_number(value: str) -> str:
    """Show only the first and last four characters: 3601**********1234."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def id_number_digest(value: str) -> str:
    """A keyed digest (HMAC-SHA256 under ``SECRET_KEY``) of the normalized ID number: equal
    for the same number, so a record can be matched or de-duplicated by it, without keeping
    the number itself (a bare hash of an 18-digit number is reversed by trying them all)."""
    return salted_hmac("registry.id-number-digest", normalize_id_number(value),
                       algorithm="sha256").hexdigest()
