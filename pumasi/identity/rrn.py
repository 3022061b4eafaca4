"""The resident registration number (주민등록번호): parsing, validation and the forms fit to show."""
import datetime
import re

FRONT_MESSAGE = '주민등록번호 앞 6자리를 숫자로 입력해 주세요.'
BACK_MESSAGE = '주민등록번호 뒤 7자리를 숫자로 입력해 주세요.'
DATE_MESSAGE = '주민등록번호의 생년월일이 올바르지 않습니다.'
FUTURE_MESSAGE = '주민등록번호의 생년월일이 미래일 수 없습니다.'

_MAX_INPUT = 40  # generous for '900101 - 1234567' with stray spaces; longer input is rejected unread
# Every decimal digit names a century (9 and 0: the 1800s), so the seventh digit is never refused.
_CENTURY = {'1': 1900, '2': 1900, '5': 1900, '6': 1900,
            '3': 2000, '4': 2000, '7': 2000, '8': 2000,
            '9': 1800, '0': 1800}
_LEGACY_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
# What a Korean IME in full-width mode (전각) or a word processor's paste puts where the number's
# digits and hyphen belong: read as the ASCII ones. Other digit-like characters ('²', '٣') stay refused.
_TYPED_AS = str.maketrans('０１２３４５６７８９－‐‑‒–—―−', '0123456789--------')


class RRNError(ValueError):
    """A Korean message for the form, and the field ('front', 'back' or None) it belongs to."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def _clean(text, field, message):
    if not isinstance(text, str) or len(text) > _MAX_INPUT:
        raise RRNError(message, field)
    return ''.join(text.split()).translate(_TYPED_AS)


def _require_digits(part, length, field, message):
    if len(part) != length or not (part.isascii() and part.isdigit()):
        raise RRNError(message, field)


def parse(front, back=None):
    """Return the 13 digits from a form's two parts, or from one string with or without the hyphen."""
    if back is None:
        text = _clean(front, 'front', FRONT_MESSAGE)
        if '-' in text:
            front, _, back = text.partition('-')
        else:
            front, back = text[:6], text[6:]
    else:
        front = _clean(front, 'front', FRONT_MESSAGE)
        back = _clean(back, 'back', BACK_MESSAGE)
    _require_digits(front, 6, 'front', FRONT_MESSAGE)
    _require_digits(back, 7, 'back', BACK_MESSAGE)
    return front + back


def validate(rrn, today):
    """Return the birth date of a well-formed RRN, or raise RRNError; the old check digit is not enforced."""
    rrn = parse(rrn)
    try:
        born = datetime.date(_CENTURY[rrn[6]] + int(rrn[:2]), int(rrn[2:4]), int(rrn[4:6]))
    except ValueError:
        raise RRNError(DATE_MESSAGE, 'front') from None
    if born > today:
        raise RRNError(FUTURE_MESSAGE, 'front')
    return born


def passes_legacy_checksum(rrn):
    """Whether the pre-2020 check digit holds; demo and test numbers must fail it."""
    rrn = parse(rrn)
    total = sum(int(digit) * weight for digit, weight in zip(rrn, _LEGACY_WEIGHTS))
    return (11 - total % 11) % 10 == int(rrn[12])


def mask(rrn):
    """The only form fit to show: birth date, hyphen, gender digit, six stars."""
    rrn = parse(rrn)
    return f'{rrn[:6]}-{rrn[6]}******'


# An RRN's shape inside free text (a log line, an audit detail): 13 digits, a dash allowed after the
# sixth, not part of a longer run of digits.
RRN_IN_TEXT = re.compile(r'(?<!\d)(\d{6})-?\d{7}(?!\d)')


def mask_in_text(text):
    """Text with every RRN-shaped run of digits shown as its first six digits and asterisks."""
    return RRN_IN_TEXT.sub(r'\1-*******', text)


def birth_only(masked):
    """'900101-1******' -> '900101-*******': the birth date alone (a certificate's 생년월일)."""
    return masked[:6] + '-*******'
