"""Export (issue 14 part 5): members, sites and activities, participations with their history, in the
format of the import; a round trip (export → import into an empty database → export) gives the same
files; staff downloads ask for a 사유 and leave an access record; never an RRN."""
import re

from helpers import build_app, ctx
from pumasi.clock import today_kst
from pumasi.db import db
from pumasi.linkage.state import DateState
from pumasi.models import AccessRecord, DailyLog, Member, Participation
from pumasi.records.exports import csv_text
from pumasi.transfer import exports, runs

ORDER = ("activities", "members", "participations")  # sites before their managers, both before the dates


def _exported(app):
    with ctx(app):
        return {kind: [list(row) for row in exports.rows(kind)] for kind in ORDER}


def _import_all(app, files):
    with ctx(app):
        for kind in ORDER:
            run = runs.start(kind, f"{kind}.csv", csv_text(files[kind]).encode("utf-8"), None)
            run = runs.preview(run.id, today_kst(), app.config)
            shown = runs.read(run)
            assert run.state == "previewed" and not shown["counts"]["bad"], (kind, run.problem, shown and shown["bad"][:3])
            assert runs.choose(run, {})
            assert runs.save(run.id, today_kst(), app.config).state == "saved", kind


def test_the_demo_world_round_trips(app, demo, tmp_path, redis_url):
    with ctx(app):  # the demo's history, and what 1365 answered for some of its dates
        logs = list(DailyLog.select().order_by(DailyLog.id))
        for log, state, code in zip(logs, (DateState.SUCCEEDED, DateState.SUCCEEDED, DateState.FAILED),
                                    (300, 400, 200)):
            DailyLog.update(link_state=state, result_code=code).where(DailyLog.id == log.id).execute()
        legacy = Participation.get(Participation.legacy_linked == True)  # noqa: E712
        DailyLog.update(link_state=DateState.SUCCEEDED, result_code=300).where(  # relinked by 기술지원
            DailyLog.participation == legacy).execute()
        states = {state for (state,) in DailyLog.select(DailyLog.link_state).tuples()}
    first = _exported(app)
    assert states == {DateState.UNSENT, DateState.SUCCEEDED, DateState.FAILED}
    assert any(row[-2:] == ["기간 전체 연계", ""] and not row[5] for row in first["participations"])
    assert len(first["members"]) > 5 and len(first["participations"]) > 10
    empty = build_app(tmp_path / "empty", f"sqlite:///{tmp_path / 'empty.db'}", redis_url)
    try:
        _import_all(empty, first)
        assert _exported(empty) == first
        with ctx(empty):  # the imported members have no password anyone knows
            assert {m.password_hash for m in Member.select()} == {"!"}
    finally:
        with empty.app_context():
            if not db.is_closed():
                db.close()


def test_an_export_asks_for_a_reason_and_is_recorded(app, client, auth, demo):
    auth.login("admin")
    assert "내보내기" in client.get("/admin/import").text
    refused = client.post("/admin/export?kind=members", data={"export-members-reason": ""})
    assert refused.status_code == 422 and "다운로드 사유를 입력해 주세요." in refused.text
    done = client.post("/admin/export?kind=members", data={"export-members-reason": "이전 시스템과 대조"})
    assert done.status_code == 200 and done.mimetype == "text/csv"
    text = done.data.decode("utf-8-sig")
    assert text.startswith("아이디,이름,생년월일,연락처,이메일,구분,활동처\r\n") and "vol1,김민준," in text
    assert not re.search(r"\d{6}-?\d{7}", text)  # no RRN
    with ctx(app):
        record = AccessRecord.select().where(AccessRecord.action == "다운로드").order_by(AccessRecord.id.desc()).get()
        assert record.reason == "이전 시스템과 대조" and record.what.startswith("회원 내보내기")
        assert str(Member.get(Member.username == "vol1").id) in record.subjects.split(",")
    history = client.post("/admin/export?kind=participations", data={"export-participations-reason": "점검"})
    assert history.status_code == 200 and ",기간 전체 연계," in history.data.decode("utf-8-sig")
    auth.logout()
    auth.login("site1")
    assert client.post("/admin/export?kind=members", data={"export-members-reason": "x"}).status_code == 403
