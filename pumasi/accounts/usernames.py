"""User names (아이디): what one may be, and when two are the same.

Two names are the same when they are equal after NFKC and case folding (Unicode's identifier
caseless match): `VOL1`, `vol1` and the full-width `ｖｏｌ１` are one name. Every member keeps that
key in a unique column (Member.username_key), so the database itself refuses a second one, and
log-in and every look-up by 아이디 compare keys. A new name is stored in NFKC form (full-width
letters become plain ones) and must be 3 to 40 of A–Z, a–z, 0–9, _ . - (no look-alike from another
script). Plain Python.
"""
import re
import unicodedata

PATTERN = re.compile(r"[A-Za-z0-9_.-]{3,40}")
REMOVED_PREFIX = "removed-"  # what a removed member's name becomes (members.remove_member)
RULE_MESSAGE = "아이디는 영문, 숫자, _ . - 로 3~40자입니다."
RESERVED_MESSAGE = f"'{REMOVED_PREFIX}'로 시작하는 아이디는 쓸 수 없습니다."
TAKEN_MESSAGE = "이미 사용 중인 아이디입니다."


def normalize(text):
    """The name as it is stored and shown: NFKC, without surrounding spaces."""
    return unicodedata.normalize("NFKC", text or "").strip()


def key(text):
    """What names are compared by: NFKC(casefold(NFKC(name))), without surrounding spaces."""
    return unicodedata.normalize("NFKC", normalize(text).casefold()).strip()


def problem(text):
    """The Korean message when a (normalized) name may not be given to a new member, else None."""
    if not PATTERN.fullmatch(text or ""):
        return RULE_MESSAGE
    if key(text).startswith(REMOVED_PREFIX):
        return RESERVED_MESSAGE
    return None
