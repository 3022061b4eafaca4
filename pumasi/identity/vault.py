"""The RRN vault: authenticated encryption (Fernet) under rotatable keys, newest first."""
import re
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from .rrn import parse

_CHECK_PREFIX = 'pumasi-key-check:'


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
