"""A file a site manager uploaded, held on the server between the preview and the confirmation, so it
never travels back through the browser. The page carries a random token; only its hash is stored,
with the manager and the activity it was uploaded for: no one else, and no other activity, can use it.
A held file expires after HELD_FOR and is deleted once saved (it holds names and phone numbers)."""
import hashlib
import secrets
from datetime import timedelta

from ..clock import utcnow
from ..models import Upload

HELD_FOR = timedelta(minutes=30)
GONE_MESSAGE = "미리보기한 파일을 찾을 수 없습니다. 시간이 지났거나 이미 저장했습니다. 파일을 다시 올려 주세요."


def _hash(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def drop_expired(now=None):
    """Delete the held files past their time (also from the workers' sweep: nobody may upload again)."""
    Upload.delete().where(Upload.expires_at <= (now or utcnow())).execute()


def hold(member, activity, filename, data):
    """Keep the file for the member and the activity; returns its token. Expired files go now."""
    now = utcnow()
    drop_expired(now)
    token = secrets.token_urlsafe(24)
    Upload.create(token_hash=_hash(token), member=member, activity=activity, filename=(filename or "")[:255],
                  data=data, created_at=now, expires_at=now + HELD_FOR)
    return token


def held(token, member, activity):
    """The upload of this token, if it is the member's, for this activity, and not expired; else None."""
    if not isinstance(token, str) or not 0 < len(token) <= 100:
        return None
    return Upload.get_or_none(Upload.token_hash == _hash(token), Upload.member == member,
                              Upload.activity == activity, Upload.expires_at > utcnow())


def discard(upload):
    """Delete a held file (it was saved)."""
    Upload.delete().where(Upload.id == upload.id).execute()
