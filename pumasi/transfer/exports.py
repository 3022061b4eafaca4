"""An organisation's data out, in the format of the import (issue 14 part 5): members, sites and
activities, participations with their history, each as the rows of its import template, so that an
export imported into an empty instance gives the same data (and exports again the same). Never an RRN.

Left out: operators (an import does not make them), removed members (탈퇴회원) and their records, and
dates in flight (연계중: export again once 1365 has answered)."""
from collections import defaultdict

from peewee import JOIN

from ..linkage.state import LEGACY_DATE_LABEL, DateState, date_label
from ..models import Activity, DailyLog, Member, Participation, Site
from ..records import hours
from ..records.exports import _cell as safe_cell  # the one guard against formula injection
from . import activities, members, participations

KINDS = (members.KIND, activities.KIND, participations.KIND)


def member_rows():
    """The members file: volunteers and site managers, not removed, by 아이디."""
    rows = [members.COLUMNS]
    query = (Member.select(Member, Site).join(Site, JOIN.LEFT_OUTER, on=(Member.site == Site.id))
             .where(Member.role.in_(("volunteer", "site")), Member.removed_at.is_null()).order_by(Member.username))
    for m in query:
        rows.append((m.username, m.name, m.birth_date.isoformat() if m.birth_date else "", m.phone or "",
                     m.email or "", members.role_label(m.role), m.site.name if m.site_id else ""))
    return rows


def activity_rows():
    """The sites and activities file: each site's activities, a site without any on a line of its own."""
    rows = [activities.COLUMNS]
    by_site = defaultdict(list)
    for activity in Activity.select().order_by(Activity.start_date, Activity.title, Activity.id):
        by_site[activity.site_id].append(activity)
    for site in Site.select().order_by(Site.name):
        if not by_site[site.id]:
            rows.append((site.name, site.phone or "", "", "", "", ""))
        for a in by_site[site.id]:
            rows.append((site.name, site.phone or "", a.category, a.title, a.location or "",
                         activities.format_period(a.start_date, a.end_date)))
    return rows


def participation_rows():
    """The participations file: one line per date (in flight left out), a participation without dates
    on a line of its own; a whole-period one with no unsent date keeps its mark on a line without one."""
    rows = [participations.COLUMNS]
    logs = defaultdict(list)
    for log in (DailyLog.select().where(DailyLog.link_state != DateState.PENDING)
                .order_by(DailyLog.date, DailyLog.start, DailyLog.id)):
        logs[log.participation_id].append(log)
    query = (Participation.select(Participation, Activity, Site, Member).join(Activity).join(Site)
             .switch(Participation).join(Member)
             .where(Member.removed_at.is_null(), Member.role == "volunteer")
             .order_by(Site.name, Activity.title, Activity.start_date, Activity.id, Member.username))
    for p in query:
        a, v = p.activity, p.volunteer
        head = (v.username, v.name, a.site.name, a.title, activities.format_period(a.start_date, a.end_date))
        dates = logs[p.id]
        for log in dates:
            rows.append(head + (log.date.isoformat(), hours.format_clock(log.start), hours.format_end(log.end),
                                str(log.minutes), date_label(log.link_state, p.legacy_linked),
                                "" if log.result_code is None else str(log.result_code)))
        if not dates or (p.legacy_linked and all(log.link_state != DateState.UNSENT for log in dates)):
            rows.append(head + ("", "", "", "", LEGACY_DATE_LABEL if p.legacy_linked else "", ""))
    return rows


ROWS = {members.KIND: member_rows, activities.KIND: activity_rows, participations.KIND: participation_rows}


def rows(kind):
    """The rows (the header first) of an export of kind; a cell that would start a formula in a
    spreadsheet (a name chosen at 회원가입, a title) behind an apostrophe, which the import drops."""
    return [[safe_cell(value) for value in row] for row in ROWS[kind]()]


def member_ids(rows):
    """The ids of the members whose data an export's rows hold (for its access record)."""
    names = {row[0].removeprefix("'") for row in rows[1:]}  # an 아이디 such as -kim is written '-kim
    return [member_id for member_id, username in Member.select(Member.id, Member.username).tuples()
            if username in names]
