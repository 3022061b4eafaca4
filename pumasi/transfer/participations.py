"""Participations with their history from a file: one line per date (회원아이디, 활동처, 봉사제목, 활동기간,
활동일, 시작시간, 종료시간, 인정시간(분), 1365연계, 결과코드), or a line without a date for a participation
alone. Dates already linked to 1365 keep their state and result code (연계성공 is never sent again);
a participation marked 기간 전체 연계 was linked the old whole-period way (기술지원 relinks it per date).
Every date is checked by the rules of a site's entry (hours), across the file and the dates already
here; the whole file is saved in one transaction."""
from collections import defaultdict

from ..accounts import usernames
from ..clock import utcnow
from ..linkage import version
from ..linkage.state import DATE_LABELS, FAILURE_CODES, LEGACY_DATE_LABEL, SUCCESS_CODES, DateState
from ..models import Activity, DailyLog, Member, Participation, Site
from ..ops import audit
from ..records import hours
from ..records.dailylogs import existing_entries, parse_minutes
from ..records.readers import LINE_NAME, excel_clock, excel_date
from .activities import parse_period
from .sheet import insert_rows, read_lines

KIND = "participations"
COLUMNS = ("회원아이디", "이름", "활동처", "봉사제목", "활동기간", "활동일", "시작시간", "종료시간", "인정시간(분)",
           "1365연계", "결과코드")
SHOWN_COLUMNS = ("username", "name", "site", "title", "period", "date", "start", "end", "minutes", "state", "code")
LABELS = dict(zip(SHOWN_COLUMNS, COLUMNS))
NAMES = {"회원아이디": "username", "아이디": "username", "이름": "name", "성명": "name", "활동처": "site",
         "봉사제목": "title", "활동명": "title", "활동기간": "period", "활동일": "date", "날짜": "date",
         "시작시간": "start", "종료시간": "end", "인정시간(분)": "minutes", "인정시간": "minutes",
         "1365연계": "state", "연계결과": "state", "결과코드": "code"}
REQUIRED = {"username": "회원아이디", "site": "활동처", "title": "봉사제목"}
FORMATS = {"활동일": "yyyy-mm-dd", "시작시간": "hh:mm", "종료시간": "hh:mm", "인정시간(분)": "0", "결과코드": "0"}
STATES = {"": DateState.UNSENT, **{label: state for state, label in DATE_LABELS.items()}, LEGACY_DATE_LABEL: "legacy"}
CODES = {DateState.SUCCEEDED: SUCCESS_CODES, DateState.FAILED: FAILURE_CODES}
MEMBER_MESSAGE = "회원아이디 '{name}'인 봉사자가 없습니다. 회원을 먼저 가져와 주세요."
NAME_MESSAGE = "회원아이디 '{name}'의 이름은 '{actual}'입니다."
ACTIVITY_MESSAGE = "활동처 '{site}'에 봉사제목 '{title}'인 활동이 없습니다. 활동을 먼저 가져와 주세요."
AMBIGUOUS_MESSAGE = "활동처와 봉사제목이 같은 활동이 여럿입니다. 활동기간을 입력해 주세요."
STATE_MESSAGE = "1365연계는 미연계, 연계성공, 연계실패, 기간 전체 연계 중 하나입니다. (연계중인 날짜는 결과가 나온 뒤 가져와 주세요.)"
CODE_MESSAGE = "{state}의 결과코드는 {codes} 중 하나입니다."
NO_CODE_MESSAGE = "미연계 날짜에는 결과코드를 비워 주세요."
NO_DATE_MESSAGE = "활동일이 없는 줄은 참여만 등록합니다. 1365연계는 비우거나 '기간 전체 연계'로 입력해 주세요."


class Directory:
    """The volunteers and activities the lines name, looked up once."""

    def __init__(self):
        self.volunteers = {key: (member_id, name) for member_id, key, name in Member.select(
            Member.id, Member.username_key, Member.name).where(Member.role == "volunteer",
                                                               Member.removed_at.is_null()).tuples()}
        self.activities = defaultdict(list)
        for activity in Activity.select(Activity, Site).join(Site):
            self.activities[(activity.site.name, activity.title)].append(activity)

    def volunteer(self, line):
        found = self.volunteers.get(usernames.key(line.get("username")))
        if found is None:
            line.error("username", MEMBER_MESSAGE.format(name=line.get("username")))
        elif line.get("name") and line.get("name") != found[1]:
            line.error("name", NAME_MESSAGE.format(name=line.get("username"), actual=found[1]))
        return found and found[0]

    def activity(self, line):
        found = self.activities.get((line.get("site"), line.get("title")), [])
        period = parse_period(line.get("period")) if line.get("period") else None
        if period:
            found = [a for a in found if (a.start_date, a.end_date) == period]
        if not found:
            line.error("title", ACTIVITY_MESSAGE.format(site=line.get("site"), title=line.get("title")))
        elif len(found) > 1:
            line.error("period", AMBIGUOUS_MESSAGE)
        return found[0] if len(found) == 1 else None


def _state(line):
    """(date state or "legacy", result code or None); problems added to the line."""
    state = STATES.get(line.get("state"))
    if state is None or state == DateState.PENDING:
        line.error("state", STATE_MESSAGE)
        return None, None
    code_text, codes = line.get("code"), CODES.get(state)
    if codes is None:
        if code_text:
            line.error("code", NO_CODE_MESSAGE)
        return state, None
    if not code_text.isdigit() or int(code_text) not in codes:
        line.error("code", CODE_MESSAGE.format(state=line.get("state"), codes=", ".join(map(str, codes))))
        return state, None
    return state, int(code_text)


def _entry(line, activity, today):
    """The line's date as an hours.Entry (None for a line without a date); problems added to the line."""
    if not line.get("date"):
        if line.values["state"] not in (DateState.UNSENT, "legacy") or line.get("start") or line.get("end"):
            line.error("date", NO_DATE_MESSAGE)
        return None
    try:
        entry = hours.Entry(hours.parse_date(excel_date(line.get("date")), "date"),
                            hours.parse_clock(excel_clock(line.get("start")), "start"),
                            hours.parse_clock(excel_clock(line.get("end")), "end"), parse_minutes(line.get("minutes")),
                            hours.Place(activity.site_id, activity.id))
    except hours.LogError as exc:
        line.error(exc.field, exc.message)
        return None
    line.values["minutes"], problems = hours.check_entry(entry, activity.start_date, activity.end_date, today)
    for problem in problems:
        line.error(problem.field, problem.message)
    return entry


def _check_days(lines, progress):
    """Each volunteer's dates of a day together, with the dates already here (overlaps, the day's cap)."""
    by_day = defaultdict(list)
    for line in lines:
        if line.ok and line.values.get("entry"):
            by_day[(line.values["volunteer"], line.values["entry"].date)].append(line)
    volunteers = sorted({volunteer for volunteer, _ in by_day})
    existing = {}
    for start in range(0, len(volunteers), 500):
        part = set(volunteers[start:start + 500])
        existing.update(existing_entries(part, {day for volunteer, day in by_day if volunteer in part}))
    for number, ((volunteer, day), group) in enumerate(by_day.items()):
        if progress and number % 2000 == 0:
            progress("확인", number, len(by_day))
        saved = [entry for entry in existing.get(volunteer, []) if entry.date == day]
        for index, error in hours.check_day([line.values["entry"] for line in group], saved,
                                            names=[LINE_NAME.format(number=line.number) for line in group]):
            group[index].error(error.field, error.message)


def check(data, filename, today, progress=None):
    """[Line] with .action "create" (a date, or a participation alone); NotAllowed for the whole file."""
    lines = read_lines(data, filename, NAMES, REQUIRED)
    directory = Directory()
    for index, line in enumerate(lines):
        if progress and index % 5000 == 0:
            progress("확인", index, len(lines))
        if not line.ok:
            continue
        volunteer, activity = directory.volunteer(line), directory.activity(line)
        state, code = _state(line)
        line.values = {"volunteer": volunteer, "activity": activity, "state": state, "code": code}
        if line.ok:
            line.values["entry"] = _entry(line, activity, today)
        line.action = "create"
    _check_days(lines, progress)
    return lines


def save(lines, choices, actor, progress=None):
    """Create the participations (whole-period ones marked) and their dates; returns the counts."""
    pairs = {(line.values["activity"].id, line.values["volunteer"]) for line in lines}
    legacy = {(line.values["activity"].id, line.values["volunteer"]) for line in lines if line.values["state"] == "legacy"}
    known = _participations(pairs)
    now = utcnow()
    new = [{"activity": a, "volunteer": v, "legacy_linked": (a, v) in legacy, "created_at": now}
           for a, v in sorted(pairs - set(known))]
    for start in range(0, len(new), 1000):
        Participation.insert_many(new[start:start + 1000]).execute()
    marked = [known[pair] for pair in legacy if pair in known]
    if marked:
        Participation.update(legacy_linked=True).where(Participation.id.in_(marked)).execute()
    known = _participations(pairs)
    rows = [_log_row(line, known, now) for line in lines if line.values.get("entry")]
    if progress:
        progress("저장", len(lines) // 2, len(lines))
    insert_rows(DailyLog, LOG_FIELDS, rows)
    version.bump_members({volunteer for _, volunteer in pairs})
    counts = {"participations": len(new), "dates": len(rows)}
    audit.record("participation.import", actor=actor, detail=f"참여 {len(new)}, 활동일 {len(rows)}")
    return counts


def _participations(pairs):
    """{(activity id, volunteer id): participation id} of those pairs already here."""
    activity_ids = sorted({a for a, _ in pairs})
    found = {}
    for start in range(0, len(activity_ids), 500):
        query = Participation.select(Participation.id, Participation.activity, Participation.volunteer).where(
            Participation.activity.in_(activity_ids[start:start + 500])).tuples()
        found.update({(a, v): pid for pid, a, v in query if (a, v) in pairs})
    return found


LOG_FIELDS = ("participation", "date", "start", "end", "minutes", "link_state", "result_code", "created_at",
              "updated_at")


def _log_row(line, participations, now):
    entry, values = line.values["entry"], line.values
    state = DateState.UNSENT if values["state"] == "legacy" else values["state"]
    return (participations[(values["activity"].id, values["volunteer"])], entry.date, entry.start, entry.end,
            values["minutes"], state, values["code"], now, now)
