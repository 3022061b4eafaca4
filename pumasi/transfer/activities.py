"""Sites and activities from a file: one line per activity (구분, 봉사제목, 장소, 활동기간, 활동처, and the
site's phone), or a site alone (활동처 only). A site not here yet is created with its first line; an
activity already here (same site, title and period) is left as it is. Saved whole, in one transaction."""
import re
from datetime import date

from .. import phones
from ..clock import utcnow
from ..models import Activity, Site
from ..ops import audit
from ..records.readers import excel_date
from .sheet import read_lines, same_as_before

KIND = "activities"
COLUMNS = ("활동처", "활동처 연락처", "구분", "봉사제목", "장소", "활동기간")
SHOWN_COLUMNS = ("site", "site_phone", "category", "title", "location", "period")
LABELS = dict(zip(SHOWN_COLUMNS, COLUMNS))
NAMES = {"활동처": "site", "활동처명": "site", "활동처연락처": "site_phone", "활동처전화번호": "site_phone",
         "구분": "category", "활동구분": "category", "봉사제목": "title", "활동명": "title", "제목": "title",
         "장소": "location", "활동장소": "location", "활동기간": "period", "기간": "period"}
REQUIRED = {"site": "활동처", "title": "봉사제목", "period": "활동기간"}
FORMATS = {}
SITE_MESSAGE = "활동처 이름을 100자 이하로 입력해 주세요."
PHONE_MESSAGE = phones.MESSAGE
CATEGORY_MESSAGE = "구분을 20자 이하로 입력해 주세요. (예: 문화, 교육)"
TITLE_MESSAGE = "봉사제목은 200자 이하입니다."
LOCATION_MESSAGE = "장소는 100자 이하입니다."
PERIOD_MESSAGE = "활동기간 형식이 올바르지 않습니다. (예: 2026-06-01~2026-11-30)"
ORDER_MESSAGE = "활동기간의 종료일은 시작일보다 빠를 수 없습니다."
_PERIOD = re.compile(r"\s*(\S+?)\s*~\s*(\S+)\s*")


def parse_period(text):
    """(start, end) of '2026-06-01~2026-11-30' (or 20260601 ~ 20261130, 2026.6.1~…), or None."""
    match = _PERIOD.fullmatch(text or "")
    if not match:
        return None
    days = []
    for part in match.groups():
        found = re.fullmatch(r"([0-9]{4})-?([0-9]{2})-?([0-9]{2})", excel_date(part))
        try:
            days.append(date(*map(int, found.groups())) if found else None)
        except ValueError:
            return None
    return tuple(days) if all(days) else None


def format_period(start, end):
    return f"{start.isoformat()}~{end.isoformat()}"


def _site(line, sites):
    name, phone = line.get("site"), line.get("site_phone")
    if not name or len(name) > 100:
        line.error("site", SITE_MESSAGE)
    if phones.normal(phone) is None:
        line.error("site_phone", PHONE_MESSAGE)
    return sites.get(name)


def _activity(line):
    """{category, title, location, start_date, end_date} of a line that names an activity."""
    category, title, location = line.get("category"), line.get("title"), line.get("location")
    if not category or len(category) > 20:
        line.error("category", CATEGORY_MESSAGE)
    if len(title) > 200:
        line.error("title", TITLE_MESSAGE)
    if len(location) > 100:
        line.error("location", LOCATION_MESSAGE)
    period = parse_period(line.get("period"))
    if period is None:
        line.error("period", PERIOD_MESSAGE)
        return None
    if period[1] < period[0]:
        line.error("period", ORDER_MESSAGE)
    return {"category": category, "title": title, "location": location, "start_date": period[0],
            "end_date": period[1]}


def check(data, filename, today, progress=None):
    """[Line] with .action: "create" (a new activity, and its site if new), "site" (a new site alone)
    or "exists" (left as it is)."""
    lines = read_lines(data, filename, NAMES, {"site": "활동처"})
    sites = {site.name: site for site in Site.select()}
    known = {(a.site_id, a.title, a.start_date, a.end_date) for a in Activity.select()}
    for index, line in enumerate(lines):
        if progress and index % 1000 == 0:
            progress("확인", index, len(lines))
        if not line.ok:
            continue
        site = _site(line, sites)
        values = _activity(line) if line.get("title") else None
        line.values = {"site": site, "activity": values}
        if not line.ok:
            continue
        if values is None:
            line.action = "exists" if site else "site"
        elif site and (site.id, values["title"], values["start_date"], values["end_date"]) in known:
            line.action = "exists"
        else:
            line.action = "create"
    same_as_before(lines, "title", "활동처·봉사제목·활동기간",
                   lambda line: (line.get("site"), line.get("title"), line.get("period")) if line.get("title") else None)
    return lines


def save(lines, choices, actor, progress=None):
    """Create the new sites and activities of checked lines; returns the counts."""
    sites = {site.name: site for site in Site.select()}
    new_sites = 0
    for line in lines:
        name = line.get("site")
        if line.action in ("create", "site") and name not in sites:
            sites[name] = Site.create(name=name, phone=phones.normal(line.get("site_phone")) or "")
            new_sites += 1
    rows = [dict(line.values["activity"], site=sites[line.get("site")].id, created_at=utcnow())
            for line in lines if line.action == "create"]
    for start in range(0, len(rows), 1000):
        Activity.insert_many(rows[start:start + 1000]).execute()
    counts = {"sites": new_sites, "created": len(rows), "skipped": len(lines) - len(rows)}
    audit.record("activity.import", actor=actor,
                 detail=f"활동처 {new_sites}, 활동 {len(rows)}, 건너뜀 {counts['skipped']}")
    return counts
