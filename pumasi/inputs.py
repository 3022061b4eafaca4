"""What a text input may hold: no control characters, no lone surrogates.

PostgreSQL cannot store a NUL in text (the statement fails), SQLite stores it and cuts strings at it
in some functions, and the other C0/C1 control characters are never typed into a one-line field:
they come from hostile requests or a bad paste. Every text a request brings (query parameters, form
fields, their names, uploaded file names) is checked by the same rule, before any of it reaches a
query. Plain Python: the web layer (pumasi.views.refuse_bad_input) and the forms call it.

Rule: leading and trailing spaces, tabs and line breaks are tolerated (every form trims them, and a
paste from a spreadsheet brings them); anywhere else a control character is refused, except tab,
line feed and carriage return inside a multi-line field (a <textarea>, named in MULTILINE).

Nor does any field but 본인인증's own two boxes (and the passwords, compared as typed) take an
RRN-shaped number (13 digits, or 6 and 7 with a dash): a careless volunteer typing theirs into 연락처 or
아이디, a site manager into a title, an operator into a search or a 사유 would otherwise have it stored,
shown and exported in plain text. The uploaded files' own rule is records.readers.refuse_rrns.
"""
import re

from .identity.rrn import RRN_IN_TEXT

CONTROL_MESSAGE = "입력할 수 없는 문자(제어 문자 등)가 들어 있습니다. 확인해서 다시 입력해 주세요."

RRN_MESSAGE = "주민등록번호로 보이는 숫자(13자리)는 여기에 입력할 수 없습니다. 주민등록번호는 본인인증에서만 입력합니다."
# A form shows a value refused with one of these empty, never as typed (templates/_field.html).
REFUSALS = (CONTROL_MESSAGE, RRN_MESSAGE)
# Fields that take an RRN (본인인증: its own form checks and never shows it) or a secret kept only
# hashed and compared as typed (a password of 13 digits stays usable).
RRN_FIELDS = frozenset({"rrn_front", "rrn_back", "password", "new_password", "confirm", "current_password"})

# Names of multi-line fields (<textarea>); tests/test_fuzz.py fails when a template has one not named here.
MULTILINE = frozenset({"review_note"})  # 접속기록 점검: the reviewer's note

_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_MULTI_LINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_TRIMMED = " \t\r\n"

# Korean names of the fields, for messages that cannot stand next to the field itself.
LABELS = {
    "username": "아이디", "password": "비밀번호", "name": "이름", "phone": "연락처", "email": "이메일",
    "role": "회원 구분", "site_id": "담당 활동처", "title": "봉사제목", "category": "구분", "location": "장소",
    "start_date": "활동 시작일", "end_date": "활동 종료일", "date": "활동일", "start": "시작시간",
    "end": "종료시간", "minutes": "인정시간", "reason": "수정 사유", "q": "검색어", "activity": "봉사제목",
    "volunteer": "봉사자", "actor": "누가(아이디)", "target_type": "대상", "target_id": "대상 번호",
    "date_from": "시작일", "date_to": "종료일", "code": "코드", "site": "활동처", "rrn_front": "주민등록번호 앞자리",
    "rrn_back": "주민등록번호 뒷자리", "ORG_NAME": "기관명", "SUPPORT_PHONE": "기술지원 전화번호",
    "file": "파일", "next": "이동할 주소", "page": "페이지",
}


def problem(value, multiline=False):
    """The Korean message when a text may not be taken, else None (non-text values pass)."""
    if not isinstance(value, str):
        return None
    pattern = _MULTI_LINE if multiline else _SINGLE_LINE
    return CONTROL_MESSAGE if pattern.search(value.strip(_TRIMMED)) else None


def field_problem(name, value):
    """The Korean message when the value of the field of that name may not be taken, else None:
    a control character (problem), or an RRN-shaped number in a field that is not for one."""
    message = problem(value, name in MULTILINE)
    if message is None and isinstance(value, str) and name not in RRN_FIELDS and RRN_IN_TEXT.search(value):
        return RRN_MESSAGE
    return message


def name_problem(name):
    """The message when a parameter's name itself holds a control character, else None."""
    return CONTROL_MESSAGE if isinstance(name, str) and _SINGLE_LINE.search(name) else None


def problems(values):
    """{name: message} for the values of a form (a mapping of name to text) that may not be taken."""
    found = {}
    for name, value in values.items():
        message = field_problem(name, value)
        if message:
            found[name] = message
    return found


def label(name):
    """The Korean name of a field, or a general word for one this module does not know."""
    return LABELS.get(name, "입력한 내용")
