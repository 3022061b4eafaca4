"""Bulk data: the 활동내역 volunteers, and the pipeline's volunteers with identities and 1365 simulator
accounts. Inserted in bulk (insert_many); nothing here goes through the web."""
import random
from datetime import date, time, timedelta

from werkzeug.security import generate_password_hash

from sim1365 import accounts as sim_accounts_module
from sim1365 import store as sim_store

from pumasi.accounts import usernames
from pumasi.db import db
from pumasi.identity.rrn import mask
from pumasi.linkage.state import DateState
from pumasi.models import (Activity, DailyLog, Identity, Member,
                           Participation, Site)

PASSWORD = "bench-password"
RRN = "900101-1234567"  # the demo RRN: it fails the pre-2020 check digit, so it is nobody's
CHUNK = 1000


def _insert(model, rows):
    with db.atomic():
        for start in range(0, len(rows), CHUNK):
            model.insert_many(rows[start:start + CHUNK]).execute()


def _sites(prefix, count):
    _insert(Site, [{"name": f"{prefix} 문화센터 {n:02d}", "phone": "02-720-1365"} for n in range(count)])
    return list(Site.select().where(Site.name.startswith(f"{prefix} 문화센터")).order_by(Site.id))


def _activities(sites, rows):
    _insert(Activity, rows)
    return list(Activity.select().where(Activity.site.in_([s.id for s in sites])).order_by(Activity.id))


def _members(prefix, names, password_hash):
    _insert(Member, [{"username": f"{prefix}{n:05d}", "username_key": usernames.key(f"{prefix}{n:05d}"),
                      "password_hash": password_hash, "name": name, "role": "volunteer"}
                     for n, name in enumerate(names)])
    return list(Member.select().where(Member.username.startswith(prefix)).order_by(Member.id))


def page_volunteers(participations, logs):
    """One volunteer with `participations` rows and `logs` daily logs across them, in every state, and
    one with a single row. Returns both usernames (big, small); the password is PASSWORD."""
    password_hash = generate_password_hash(PASSWORD)
    return (_page_volunteer("pagebig", participations, logs, password_hash),
            _page_volunteer("pagesmall", 1, 3, password_hash))


def _page_volunteer(prefix, participations, logs, password_hash):
    rng = random.Random(1365)
    first = date(2016, 1, 4)
    with db.atomic():
        sites = _sites(prefix, 10)
        volunteer = _members(prefix, ["김활동"], password_hash)[0]
        activities = _activities(sites, [
            {"site": sites[n % len(sites)].id, "category": ("문화", "교육", "환경")[n % 3],
             "title": f"도서관 책 정리와 어린이 그림책 읽어주기 {n + 1}회차", "location": "서울특별시 종로구",
             "start_date": first + timedelta(days=3 * n), "end_date": first + timedelta(days=3 * n + 60)}
            for n in range(participations)])
        _insert(Participation, [{"activity": a.id, "volunteer": volunteer.id} for a in activities])
        rows = list(Participation.select().where(Participation.volunteer == volunteer).order_by(Participation.id))
        # Every state on every page: 연계완료, 연계실패, 연계중, 연계신청.
        states = [DateState.SUCCEEDED] * 6 + [DateState.FAILED, DateState.PENDING, DateState.UNSENT, DateState.UNSENT]
        entries = []
        for n in range(logs):
            index = n % len(rows)
            state = states[index % len(states)]
            hour = 9 + rng.randrange(6)
            entries.append({"participation": rows[index].id,
                            "date": activities[index].start_date + timedelta(days=n // len(rows)),
                            "start": time(hour), "end": time(hour + 2), "minutes": 120, "link_state": state,
                            "result_code": {DateState.SUCCEEDED: 300, DateState.FAILED: 200}.get(state)})
        _insert(DailyLog, entries)
    return volunteer.username


def pipeline_volunteers(prefix, volunteers, dates, per_volunteer, vault):
    """Volunteers, each with a verified RRN and (see sim_accounts) a consenting 1365 account, with
    `dates` daily logs spread over `per_volunteer` participations each, none sent yet.

    Returns (participation ids, the volunteers' names)."""
    password_hash = generate_password_hash(PASSWORD)
    token = vault.encrypt(RRN)  # encrypted once: every volunteer here has the same fictitious RRN
    names = [f"{prefix}봉사자{n:05d}" for n in range(volunteers)]
    start = date(2024, 1, 1)
    with db.atomic():
        sites = _sites(prefix, 5)
        activities = _activities(sites, [
            {"site": sites[n % len(sites)].id, "category": "문화", "title": f"지역 문화행사 운영 지원 {n + 1}",
             "location": "서울특별시 중구", "start_date": start, "end_date": date(2024, 12, 31)}
            for n in range(50)])
        members = _members(prefix, names, password_hash)
        _insert(Identity, [{"member": m.id, "rrn_token": token, "rrn_masked": mask(RRN)} for m in members])
        _insert(Participation, [{"activity": activities[(n + k) % len(activities)].id, "volunteer": m.id}
                                for n, m in enumerate(members) for k in range(per_volunteer)])
        participations = list(Participation.select(Participation.id).join(Member)
                              .where(Member.username.startswith(prefix)).order_by(Participation.id))
        per_participation, extra = divmod(dates, len(participations))
        entries = []
        for n, participation in enumerate(participations):
            for day in range(per_participation + (1 if n < extra else 0)):
                # A volunteer's participations take different dates (at most 8 hours a date).
                offset = (n % per_volunteer) * (per_participation + 1) + day
                entries.append({"participation": participation.id, "date": start + timedelta(days=offset % 366),
                                "start": time(10), "end": time(12), "minutes": 120, "link_state": DateState.UNSENT})
        _insert(DailyLog, entries)
    return [p.id for p in participations], names


def sim_accounts(path, names):
    """A consenting 1365 account per name, all with the shared RRN, bulk-inserted into the simulator's store."""
    conn = sim_store.open_store(path)
    try:
        rrn = sim_accounts_module.normalize_rrn(RRN)
        digest, masked = sim_store.rrn_hash(conn, rrn), sim_accounts_module.masked(rrn)
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO accounts (name, user_id, birth7, rrn_hash, rrn_masked, consent, created_at)"
            " VALUES (?, ?, ?, ?, ?, 1, '2024-01-01T00:00:00+00:00')",
            [(name, name, rrn[:7], digest, masked) for name in names])
        conn.execute("COMMIT")
    finally:
        conn.close()
