"""The resident registration number (주민등록번호): parsing, validation, masking and the encrypted vault."""
import datetime
import re
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

FRONT_MESSAGE = '주민등록번호 앞 6자리를 숫자로 입력해 주세요.'
BACK_MESSAGE = '주민등록번호 뒤 7자리를 숫자로 입력해 주세요.'
DIGIT_MESSAGE = '주민등록번호 뒷자리 첫 숫자가 올바르지 않습니다.'
DATE_MESSAGE = '주민등록번호의 생년월일이 올바르지 않습니다.'
FUTURE_MESSAGE = '주민등록번호의 생년월일이 미래일 수 없습니다.'

_MAX_INPUT = 40  # generous for '900101 - 1234567' with stray spaces; longer input is rejected unread
_CENTURY = {'1': 1900, '2': 1900, '5': 1900, '6': 1900,
            '3': 2000, '4': 2000, '7': 2000, '8': 2000,
            '9': 1800, '0': 1800}
_LEGACY_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_CHECK_PREFIX = 'pumasi-key-check:'


class RRNError(ValueError):
    """A Korean message for the form, and the field ('front', 'back' or None) it belongs to."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def _clean(text, field, message):
    if text is None:
        text = ''
    if not isinstance(text, str) or len(text) > _MAX_INPUT:
        raise RRNError(message, field)
    return ''.join(text.split())


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
    century = _CENTURY.get(rrn[6])
    if century is None:
        raise RRNError(DIGIT_MESSAGE, 'back')
    try:
        born = datetime.date(century + int(rrn[:2]), int(rrn[2:4]), int(rrn[4:6]))
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


def birth7(rrn):
    """The first seven digits (birth date and gender digit)."""
    return parse(rrn)[:7]


class VaultError(Exception):
    """No key of the vault opens this token (wrong key, or tampered or truncated token)."""


class Vault:
    """Authenticated encryption of RRNs under rotatable Fernet keys: the first key encrypts, all decrypt."""

    def __init__(self, keys):
        if isinstance(keys, (str, bytes)):
            raise ValueError('Vault expects a list of keys; use Vault.from_setting() for a setting string')
        fernets = []
        for number, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key))
            except (TypeError, ValueError):
                raise ValueError(f'Vault key #{number} is malformed: expected 32 url-safe base64-encoded bytes '
                                 '(make one with Vault.generate_key())') from None
        if not fernets:
            raise ValueError('Vault needs at least one key')
        self._primary = fernets[0]
        self._fernet = MultiFernet(fernets)
        self._count = len(fernets)

    @classmethod
    def from_setting(cls, text):
        """Build a vault from a setting holding keys separated by commas or whitespace, newest first."""
        return cls([key for key in re.split(r'[\s,]+', text or '') if key])

    @staticmethod
    def generate_key():
        """A fresh random key, as text for a setting."""
        return Fernet.generate_key().decode('ascii')

    def encrypt(self, rrn):
        """Encrypt the RRN (normalised to 13 digits) under the first key."""
        return self._fernet.encrypt(parse(rrn).encode('ascii')).decode('ascii')

    def decrypt(self, token):
        """Return the 13 digits, or raise VaultError if no key opens the token."""
        try:
            return self._fernet.decrypt(token).decode('ascii')
        except (InvalidToken, TypeError, ValueError):
            raise VaultError('no vault key opens this token') from None

    def rotate(self, token):
        """Re-encrypt the token under the first key."""
        try:
            return self._fernet.rotate(token).decode('ascii')
        except (InvalidToken, TypeError, ValueError):
            raise VaultError('no vault key opens this token') from None

    def can_open(self, token):
        """Whether some key of the vault opens the token."""
        try:
            self.decrypt(token)
            return True
        except VaultError:
            return False

    def seal_check(self):
        """A fresh key check value: a random marker under the first key (kept in the database, so
        that keys which cannot open it are noticed before any RRN is needed)."""
        marker = _CHECK_PREFIX + secrets.token_hex(16)
        return self._fernet.encrypt(marker.encode('ascii')).decode('ascii')

    def opens_check(self, token):
        """Whether some key of the vault opens a key check value."""
        try:
            return self._fernet.decrypt(token).decode('ascii').startswith(_CHECK_PREFIX)
        except (InvalidToken, TypeError, ValueError, UnicodeDecodeError):
            return False

    def needs_rotation(self, token):
        """Whether the token is not yet under the first key; VaultError if no key opens it."""
        try:
            self._primary.decrypt(token)
            return False
        except (InvalidToken, TypeError, ValueError):
            self.decrypt(token)
            return True

    def __repr__(self):
        return f'<Vault keys={self._count}>'

    def __reduce__(self):
        raise TypeError('a Vault holds secret keys and must not be pickled (e.g. into a job payload)')
