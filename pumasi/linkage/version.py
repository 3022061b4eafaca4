"""The version of what a volunteer's 활동내역 shows: one number per member (member.page_version),
bumped in the same transaction as every change to what the page shows (a date's link state or code,
a site's entry, edit or deletion of a date, an operator's correction, a participation added or
removed, an activity's or a site's name, 본인인증 and its reset, a notice).

The domain functions that make those changes call bump_*; tests/test_page_version.py finds every
function that writes those tables and fails when one of them does not bump. The page's ETag and
its poll (pumasi/web/mypage.py, pumasi/web/live.py) compare the number: equal means nothing the
page shows has changed."""
from collections import namedtuple

from ..db import db

_UPDATE = "UPDATE member SET page_version = page_version + 1 WHERE id IN ({ids})"
# The members whose rows a change reaches, by what changed.
_OF = {
    "members": "{ids}",
    "participations": "SELECT volunteer_id FROM participation WHERE id IN ({ids})",
    "logs": ("SELECT p.volunteer_id FROM participation p JOIN daily_log d ON d.participation_id = p.id "
             "WHERE d.id IN ({ids})"),
    "activities": "SELECT volunteer_id FROM participation WHERE activity_id IN ({ids})",
    "sites": ("SELECT p.volunteer_id FROM participation p JOIN activity a ON a.id = p.activity_id "
              "WHERE a.site_id IN ({ids})"),
}
CHUNK = 500  # ids per IN (…) list


def _bump(kind, ids):
    """One UPDATE per CHUNK ids, in the caller's transaction (the bump commits with the change; the
    caller holds one: tests/test_page_version.py checks it)."""
    ids = sorted({int(i) for i in ids if i is not None})
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        inner = _OF[kind].format(ids=", ".join([db.param] * len(part)))
        db.execute_sql(_UPDATE.format(ids=inner), part)


def bump_members(member_ids):
    """Something on these members' 활동내역 changed."""
    _bump("members", member_ids)


def bump_participations(participation_ids):
    """These participations' rows changed (their volunteers' pages)."""
    _bump("participations", participation_ids)


def bump_logs(log_ids):
    """These dates changed (before a deletion: call it while they still exist)."""
    _bump("logs", log_ids)


def bump_activities(activity_ids):
    """These activities' words or periods changed (every participant's page)."""
    _bump("activities", activity_ids)


def bump_sites(site_ids):
    """These sites' names changed (every participant's page of their activities)."""
    _bump("sites", site_ids)


Standing = namedtuple("Standing", "page_version session_version active role must_change_password")


def current(member_id):
    """The member's Standing (page version, session version, whether active, role, whether a temporary
    password must be changed) by one primary-key lookup, or None: all a conditional request needs to
    answer "unchanged" without loading the member or their rows."""
    found = db.execute_sql(
        "SELECT page_version, session_version, active AND removed_at IS NULL, role, must_change_password "
        f"FROM member WHERE id = {db.param}", (member_id,)).fetchone()
    if found is None:
        return None
    page_version, session_version, active, role, must_change = found
    return Standing(int(page_version), int(session_version), bool(active), role, bool(must_change))
