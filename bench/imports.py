"""An organisation moving in (issue 14): an operator's import of IMPORT_MEMBERS members, then of
IMPORT_DATES dates of their participations, each as the jobs run it (pumasi.transfer.runs: the file
read and checked for the preview, then read, checked again and saved in one transaction), timed in
this process on the bench's database. Files as CSV in CP949 (as Korean Excel saves it) and, for the
members and the dates' preview, as .xlsx."""
import io
import time
from datetime import date, timedelta

from pumasi.db import db
from pumasi.models import Member
from pumasi.transfer import runs

TODAY = date(2026, 11, 26)
SITES, ACTIVITIES_PER_SITE, PARTICIPATIONS_PER_MEMBER = 20, 10, 2


def members_rows(count):
    rows = [["아이디", "이름", "생년월일", "연락처", "이메일", "구분", "활동처"]]
    for n in range(count):
        rows.append([f"imp{n:06d}", f"가져온{n:06d}", (date(1960, 1, 1) + timedelta(days=n % 15000)).isoformat(),
                     f"010-{n // 10000:04d}-{n % 10000:04d}", f"m{n}@example.org" if n % 2 else "", "개인회원", ""])
    return rows


def activities_rows():
    rows = [["활동처", "활동처 연락처", "구분", "봉사제목", "장소", "활동기간"]]
    for s in range(SITES):
        for a in range(ACTIVITIES_PER_SITE):
            rows.append([f"가져온 센터 {s:02d}", "02-720-1365", "문화", f"가져온 활동 {s:02d}-{a:02d}", "서울",
                         "2025-01-01~2025-12-31"])
    return rows


def dates_rows(members, dates):
    """dates lines over the members: PARTICIPATIONS_PER_MEMBER activities each, one date per line, no
    two of a volunteer's on the same day; a fifth already linked (연계성공 300)."""
    rows = [["회원아이디", "활동처", "봉사제목", "활동일", "시작시간", "종료시간", "1365연계", "결과코드"]]
    per_member = max(dates // members, 1)
    activities = SITES * ACTIVITIES_PER_SITE
    for n in range(members):
        for k in range(per_member):
            if len(rows) > dates:
                return rows
            which = (n + (k % PARTICIPATIONS_PER_MEMBER) * 37) % activities
            linked = k % 5 == 0
            rows.append([f"imp{n:06d}", f"가져온 센터 {which // ACTIVITIES_PER_SITE:02d}",
                         f"가져온 활동 {which // ACTIVITIES_PER_SITE:02d}-{which % ACTIVITIES_PER_SITE:02d}",
                         (date(2025, 1, 2) + timedelta(days=k * 3)).isoformat(), "10:00", "12:00",
                         "연계성공" if linked else "", "300" if linked else ""])
    return rows


def as_csv(rows):
    return "".join(",".join(row) + "\r\n" for row in rows).encode("cp949")


def as_xlsx(rows):
    from openpyxl import Workbook
    book = Workbook()  # not write-only: a file as Excel saves it, with its dimension
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _timed(app, kind, name, data, admin, save=True):
    """(preview seconds, save seconds or None, counts): one run of an import, as its jobs do it."""
    run = runs.start(kind, name, data, admin)
    started = time.monotonic()
    run = runs.preview(run.id, TODAY, app.config)
    preview = time.monotonic() - started
    shown = runs.read(run)
    if run.state != "previewed" or shown["counts"]["bad"]:
        raise RuntimeError(f"{kind}: {run.problem} {shown and shown['bad'][:3]}")
    if not save:
        return preview, None, shown["counts"]
    runs.choose(run, {})
    started = time.monotonic()
    run = runs.save(run.id, TODAY, app.config)
    if run.state != "saved":
        raise RuntimeError(f"{kind}: not saved: {run.problem}")
    return preview, time.monotonic() - started, runs.result(run)


def run(world, members, dates):
    app = world.app()
    found = {}
    with app.app_context(), db.connection_context():
        admin = Member.get_or_none(Member.role == "operator")
        people = members_rows(members)
        found["members_xlsx_preview_s"] = _timed(app, "members", "m.xlsx", as_xlsx(people), admin, save=False)[0]
        found["members"] = _timed(app, "members", "m.csv", as_csv(people), admin)
        _timed(app, "activities", "a.csv", as_csv(activities_rows()), admin)
        lines = dates_rows(members, dates)
        found["dates_xlsx_preview_s"] = _timed(app, "participations", "d.xlsx", as_xlsx(lines), admin, save=False)[0]
        found["dates"] = _timed(app, "participations", "d.csv", as_csv(lines), admin)
        found["sizes"] = {"members": members, "dates": len(lines) - 1, "csv_mb": len(as_csv(lines)) / 1e6}
    return found
