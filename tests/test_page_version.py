"""The version of what a volunteer's 활동내역 shows (pumasi/linkage/version.py, issue 17 item 1).

Every function of pumasi/ that writes a table the page shows (daily logs, participations, activities,
sites, notifications, identities) is found by reading the source; each must be walked below (a
scenario that calls it and checks that the volunteers whose page it changed got a new version, bumped
in the same transaction as the change) or be listed in NOT_SHOWN with the reason. A new function
that writes those tables fails test_every_writer_is_walked until it is added here; one that does not
bump fails its walk."""
import ast
import pathlib
import re
from datetime import date

import pytest

from pumasi.accounts import members as accounts
from pumasi.accounts import sites
from pumasi.db import db
from pumasi.identity import store as identities
from pumasi.linkage import answers, delivery, version
from pumasi.linkage.requests import request_linkage
from pumasi.linkage.state import AttemptState, DateState
from pumasi.models import Activity, DailyLog, LinkAttempt, LinkRequest, Member, Site
from pumasi.ops import helpdesk, notify
from pumasi.records import activities, dailylogs, entry_requests
from pumasi.records.dailylogs import LogInput
from pumasi.transfer import participations

from helpers import member, participation, verify

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHOWN_MODELS = {"DailyLog", "Participation", "Activity", "Site", "Notification", "Identity", "EntryRequest"}
SHOWN_TABLES = r"(daily_log|participation|activity|site|notification|identity|entry_request)"
RAW_WRITE = re.compile(rf"\b(INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+\"?{SHOWN_TABLES}\b", re.I)
WRITE_METHODS = {"update", "create", "delete", "insert", "insert_many", "insert_from", "replace", "replace_many",
                 "get_or_create", "bulk_create", "bulk_update"}
INSTANCE_WRITES = {"save", "delete_instance"}
# Instances of the shown models as the code names them (activity.save(), log.delete_instance()).
INSTANCE_NAMES = re.compile(r"^(activity|participation|site|log|daily_log|notification|identity)$")
# Not the running service: the schema, the demo world, the simulator.
OUTSIDE = ("pumasi/migrations.py", "pumasi/demo.py")

ONE_DAY = "1365 중간연계 테스트 입니다. 신청하지 마세요"  # vol1 only: 2021-08-09
MENTORING = "청소년 문화예술 멘토링"  # site1: vol1 and vol3
MUSEUM = "박물관 전시 해설 도우미"  # site2: vol1, vol2, vol3, no dates

# Functions that write those tables without changing what any 활동내역 shows, and why.
NOT_SHOWN = {
    "pumasi.ops.notify.send_email": "only notification.emailed_at (the e-mail claim), never shown",
    "pumasi.identity.store.rotate_all": "re-encrypts identity.rrn_token: nothing shown changes",
    "pumasi.cli.members.create_user": "creates a site (get_or_create) no activity has yet",
    "pumasi.records.entry_requests.due_digests": "only entry_request.mailed_at (the site's e-mail claim)",
    "pumasi.records.entry_requests.give_back": "only entry_request.mailed_at (the claim given back), never shown",
    "pumasi.transfer.activities.save": "creates sites and activities that no participation has yet",
}


def _writes(node):
    """Whether a function body writes one of the shown tables (ORM call, instance save, raw SQL)."""
    for child in ast.walk(node):
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
            target = child.func.value
            if isinstance(target, ast.Name) and target.id in SHOWN_MODELS and child.func.attr in WRITE_METHODS:
                return True
            if (isinstance(target, ast.Name) and INSTANCE_NAMES.match(target.id)
                    and child.func.attr in INSTANCE_WRITES):
                return True
        if isinstance(child, ast.Constant) and isinstance(child.value, str) and RAW_WRITE.search(child.value):
            return True
    return False


def writers():
    """{qualified name of every function of pumasi/ that writes a shown table}."""
    found = set()
    for path in sorted((ROOT / "pumasi").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in OUTSIDE or relative == "pumasi/linkage/version.py":
            continue
        module = relative[:-3].replace("/", ".").removesuffix(".__init__")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = [n for n in ast.walk(node) if n is not node
                         and isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
                own = ast.Module(body=[n for n in node.body if n not in inner], type_ignores=[])
                if _writes(own):
                    found.add(f"{module}.{node.name}")
    return found


# --- the walk: each scenario sets up (returns what it needs), then acts (returns the usernames whose
# page it changed). Keys: the scenario; WALK maps every writer to the scenario that calls it.

def _request(app, title=ONE_DAY):
    verify(app, "vol1")
    return request_linkage(participation("vol1", title), member("vol1"))


def _submitted(app):
    request = _request(app)
    LinkAttempt.update(state=AttemptState.SUBMITTED).where(LinkAttempt.request == request).execute()
    return request


def _answered(app):
    request = _submitted(app)
    answers.apply_answers([request.id], {a.ref: ("done", 300, "") for a in request.attempts}, app.config)
    LinkRequest.update(finished_at=request.created_at).where(LinkRequest.id == request.id).execute()
    return request


def _log(title, username="vol1"):
    return DailyLog.select().where(DailyLog.participation == participation(username, title)).first()


def _new_mentoring_log(app):
    day = date(2026, 11, 21)
    return dailylogs.save_batch(Activity.get(Activity.title == MENTORING),
                                [LogInput(participation("vol1", MENTORING).id, day.isoformat(), "10:00", "12:00")],
                                member("site1"), date(2026, 11, 26))[0]


def _imported_history(app, _):
    """An operator's import of participations with their dates (pumasi.transfer.participations)."""
    text = ("회원아이디,활동처,봉사제목,활동일,시작시간,종료시간,1365연계,결과코드\r\n"
            "vol2,CSV 총괄운영본부,청소년 문화예술 멘토링,2026-11-21,10:00,12:00,연계성공,300\r\n")
    with db.atomic():
        lines = participations.check(text.encode(), "p.csv", date(2026, 11, 26))
        assert all(line.ok for line in lines), [line.errors for line in lines]
        return participations.save(lines, {}, member("admin")) and {"vol2"}


def _closed_in_a_transaction(p):
    """What dailylogs.write_checked does when a date is entered for a participation asked for."""
    with db.atomic():
        return entry_requests.close_for([p.id])


SCENARIOS = {
    "request": (lambda app: verify(app, "vol1"),
                lambda app, _: request_linkage(participation("vol1", ONE_DAY), member("vol1")) and {"vol1"}),
    "answer": (_submitted, lambda app, request: answers.apply_answers(
        [request.id], {a.ref: ("done", 300, "") for a in request.attempts}, app.config) is not None and {"vol1"}),
    "answer 99 at the last try": (_submitted, lambda app, request: answers.retry_or_fail(
        list(request.attempts), {**app.config, "LINK_MAX_TRIES": 1}, "busy") is not None and {"vol1"}),
    "set aside after 본인인증 reset": (
        lambda app: (_request(app), identities.reset(member("vol1"), member("vol1")))[0],
        lambda app, request: delivery._set_aside(delivery._queued_attempts([request.id]),
                                                 {member("vol1").id: ("김민준", None)}) is not None and {"vol1"}),
    "site saves a date": (lambda app: None, lambda app, _: _new_mentoring_log(app) and {"vol1"}),
    "site edits a date": (lambda app: _new_mentoring_log(app), lambda app, log: dailylogs.save_batch(
        Activity.get(Activity.title == MENTORING),
        [LogInput(log.participation_id, log.date.isoformat(), "10:00", "11:00", "", log.id)],
        member("site1"), date(2026, 11, 26)) and {"vol1"}),
    "site deletes a date": (lambda app: _new_mentoring_log(app),
                            lambda app, log: dailylogs.delete_log(log, member("site1")) or {"vol1"}),
    "activity renamed": (lambda app: Activity.get(Activity.title == MENTORING), lambda app, activity: (
        activities.save_activity(activity.site_id, member("site1"), {"title": "멘토링 (이름 바뀜)"}, activity)
        and {"vol1", "vol3"})),
    "volunteer added": (lambda app: Activity.get(Activity.title == ONE_DAY),
                        lambda app, activity: activities.add_volunteer(activity, "vol2", member("site1"))
                        and {"vol2"}),
    "volunteer leaves": (lambda app: participation("vol2", MUSEUM),
                         lambda app, p: activities.remove_volunteer(p, member("vol2"), leaving=True) or {"vol2"}),
    "operator corrects a date": (lambda app: _log(ONE_DAY), lambda app, log: helpdesk.correct_date(
        log, {"date": "2021-08-09", "start": "10:00", "end": "15:00", "minutes": ""}, "기록 정정", member("admin"),
        True, date(2026, 11, 26)) == {} and {"vol1"}),
    "본인인증": (lambda app: None, lambda app, _: verify(app, "vol2") and {"vol2"}),
    "본인인증 초기화": (lambda app: verify(app, "vol1"),
                   lambda app, _: identities.reset(member("vol1"), member("vol1")) and {"vol1"}),
    "탈퇴": (lambda app: verify(app, "vol3"),
           lambda app, _: accounts.remove_member(member("vol3"), member("admin")) or {"vol3"}),
    "site renamed": (lambda app: Site.get(Site.id == member("site1").site_id), lambda app, site: (
        sites.save(site, "새 이름 활동처", site.phone, member("admin"))[1] == {} and {"vol1", "vol3"})),
    "notice of an end": (_answered, lambda app, request: notify.tell_ended([request.id], app.config) and {"vol1"}),
    "입력 요청": (lambda app: None, lambda app, _: entry_requests.ask(participation("vol1", MUSEUM), member("vol1"))
                and {"vol1"}),
    "site enters a date asked for": (
        lambda app: entry_requests.ask(participation("vol1", MUSEUM), member("vol1")),
        lambda app, _: _closed_in_a_transaction(participation("vol1", MUSEUM)) and {"vol1"}),
    "participations imported": (lambda app: None, _imported_history),
    "notice seen": (lambda app: notify.tell_ended([_answered(app).id], app.config),
                    lambda app, _: notify.mark_read(notify.unread(member("vol1").id)) or {"vol1"}),
}

WALK = {
    "pumasi.linkage.requests._write_request": "request",
    "pumasi.linkage.answers.record_answer": "answer",
    "pumasi.linkage.delivery._set_aside": "set aside after 본인인증 reset",
    "pumasi.records.dailylogs._write": "site edits a date",
    "pumasi.records.dailylogs.delete_log": "site deletes a date",
    "pumasi.records.activities.save_activity": "activity renamed",
    "pumasi.records.activities.add_volunteer": "volunteer added",
    "pumasi.records.activities.remove_volunteer": "volunteer leaves",
    "pumasi.ops.helpdesk.correct_date": "operator corrects a date",
    "pumasi.identity.store.verify": "본인인증",
    "pumasi.identity.erasure._erase": "본인인증 초기화",
    "pumasi.accounts.sites.save": "site renamed",
    "pumasi.ops.notify.tell_ended": "notice of an end",
    "pumasi.ops.notify.mark_read": "notice seen",
    "pumasi.records.entry_requests.ask": "입력 요청",
    "pumasi.records.entry_requests.close_for": "site enters a date asked for",
    "pumasi.transfer.participations.save": "participations imported",
}


def test_every_writer_is_walked():
    found = writers()
    assert "pumasi.linkage.requests._write_request" in found and "pumasi.ops.notify.send_email" in found
    missing = found - set(WALK) - set(NOT_SHOWN)
    assert not missing, (f"these functions write what 활동내역 shows: bump the version in them "
                         f"(pumasi/linkage/version.py) and add a scenario to WALK, or say in NOT_SHOWN why "
                         f"no page changes: {sorted(missing)}")
    stale = (set(WALK) | set(NOT_SHOWN)) - found
    assert not stale, f"stale entries: these functions no longer write a shown table: {sorted(stale)}"
    assert set(WALK.values()) <= set(SCENARIOS)


def test_the_finder_sees_each_kind_of_write():
    code = ast.parse("def a():\n    DailyLog.update(x=1).execute()\n"
                     "def b():\n    activity.save()\n"
                     "def c():\n    db.execute_sql('DELETE FROM daily_log WHERE id = 1')\n"
                     "def d():\n    DailyLog.select().where(DailyLog.id == 1)\n"
                     "def e():\n    member.save()\n")
    assert [_writes(f) for f in code.body] == [True, True, True, False, False]


class Statements:
    """Every statement run, with the outermost transaction it ran in (None: autocommit)."""

    def __init__(self, monkeypatch):
        self.seen = []
        database = db.obj
        original = database.execute_sql

        def execute_sql(sql, params=None, *args, **kwargs):
            transactions = database._state.transactions
            self.seen.append((sql, transactions[0] if transactions else None))
            return original(sql, params, *args, **kwargs)

        monkeypatch.setattr(database, "execute_sql", execute_sql)

    def bumps(self):
        return [top for sql, top in self.seen if "SET page_version = page_version + 1" in sql]

    def writes_in(self, top):
        return [sql for sql, where in self.seen if where is top and RAW_WRITE.search(sql)]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_walk(app, demo, scenario):
    setup, act = SCENARIOS[scenario]
    with app.app_context(), db.connection_context():
        prepared = setup(app)
        names = dict(Member.select(Member.id, Member.username).tuples())
        before = dict(Member.select(Member.id, Member.page_version).tuples())
        with pytest.MonkeyPatch.context() as patch:
            statements = Statements(patch)
            changed = act(app, prepared)
        after = dict(Member.select(Member.id, Member.page_version).tuples())
    assert changed, f"{scenario}: the scenario did not do what it should"
    bumped = {names[i] for i in after if after[i] != before.get(i)}
    assert changed <= bumped, f"{scenario}: {sorted(changed - bumped)} see a changed 활동내역 under the old version"
    assert statements.bumps()
    for top in statements.bumps():
        assert top is not None, f"{scenario}: a bump outside a transaction"
        assert statements.writes_in(top), f"{scenario}: a bump in a transaction that changed nothing shown"


def test_current_answers_version_and_session(app, demo):
    with app.app_context(), db.connection_context():
        vol1 = member("vol1")
        start = version.current(vol1.id)
        assert start == (vol1.page_version, vol1.session_version, True, "volunteer", False)
        version.bump_members([vol1.id, vol1.id])
        assert version.current(vol1.id).page_version == start.page_version + 1  # once, however often named
        accounts.set_active(vol1, False, member("admin"))
        assert version.current(vol1.id).active is False
        assert version.current(10**6) is None
