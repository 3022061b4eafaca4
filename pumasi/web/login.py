"""Log-in sessions (flask-login): the member of a session cookie, while it is still theirs."""
from flask_login import LoginManager

from ..db import db
from ..models import Member

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "로그인이 필요합니다."

# By SQL: this runs on every request, and building the statement through the ORM cost twice what the
# query does (docs/BENCHMARKS.md). Whether notifications wait to be shown comes along (an index
# probe), so that pages need not ask for them when none do.
MEMBER_SQL = ("SELECT m.*, EXISTS (SELECT 1 FROM notification n WHERE n.member_id = m.id AND n.read_at IS NULL) "
              "AS has_unread_notices FROM member m WHERE m.id = {param}")


@login_manager.user_loader
def load_user(user_id):
    """The member of a session cookie, if it is still theirs (same session version) and active."""
    member_id, _, version = user_id.partition(":")
    if not (member_id.isdigit() and version.isdigit()):
        return None
    found = list(Member.raw(MEMBER_SQL.format(param=db.param), int(member_id)))
    if not found or not found[0].is_active or found[0].session_version != int(version):
        return None
    return found[0]
