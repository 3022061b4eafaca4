"""Phone numbers as people write them ('010 1234 5678', '010.1234.5678', '(02) 720-1365', '+82 10-1234-5678',
full-width digits) kept in one form, the way Korea writes them: '010-1234-5678', '02-720-1365',
'1588-1234'. Korea's numbering plan is libphonenumber's (phonenumberslite): which lengths each
prefix takes and where its hyphens go."""
import re

import phonenumbers

MESSAGE = "전화번호 형식이 올바르지 않습니다. (예: 010-1234-5678)"
_WRITTEN = re.compile(r"[0-9０-９+()\-－.\s]{1,30}")  # digits and what people put between them; no letters
# A number begins with its 0 (or +82), but for the 8-digit 15xx/16xx/18xx numbers: one that lost its 0
# (Excel turned the cell into a number) is not guessed back; the importers say so.
_BEGINS = re.compile(r"\+82.*|[(\s]*[0０].*|[1１][5-8５-８][0-9０-９]{2}[-－.\s]?[0-9０-９]{4}")


def normal(text):
    """The number in the form it is kept; '' when nothing was written; None when it is not a phone
    number in Korea."""
    text = (text or "").strip()
    if not text:
        return ""
    if not _WRITTEN.fullmatch(text) or not _BEGINS.fullmatch(text):
        return None
    try:
        number = phonenumbers.parse(text, "KR")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 82 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
