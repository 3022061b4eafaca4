"""운영관리: access, members, sites, settings, corrections, per-date linkage, monitor, audit, notifications."""
import re
from datetime import datetime

import pytest

from pumasi import migrations
from pumasi.linkage.reads import summary
from pumasi.linkage.requests import IdentityRequired, request_linkage
from pumasi.linkage.state import DateState, ParticipationState
from pumasi.ops import certificate, helpdesk, monitor, notify
from pumasi.db import db
from pumasi.models import (AuditLog, ConfigValue, DailyLog, ImportRun,
                           Identity, KeyCheck, LinkRequest, Member, Notification, Participation, PasswordReset,
                           SchemaVersion, Site)


def _admin_urls(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            url = re.sub(r"<(?:int:)?(\w+)>", "1", rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, url


@pytest.mark.parametrize("username", ["vol1", "site1"])
def test_operator_routes_are_forbidden_to_others(app, client, auth, demo, username):
    auth.login(username)
    urls = list(_admin_urls(app))
    assert len(urls) > 20
    for method, url in urls:
        response = client.open(url, method=method)
        assert response.status_code == 403, (method, url, response.status_code)


def test_operator_routes_need_log_in(app, client):
    for method, url in _admin_urls(app):
        assert client.open(url, method=method).status_code == 302, url


def test_every_get_page_renders(app, client, auth, demo):
    from pumasi.models import Alert
    with app.app_context(), db.connection_context():
        ImportRun.create(kind="members", state="failed", problem="x", expires_at=datetime(2099, 1, 1))  # run 1
        Alert.create(kind="pending", open_kind="pending", started_at=datetime(2026, 1, 1),  # alert 1
                     detail="연계중으로 오래 머문 날짜 1건")
        vol1 = _vol()
        certificate.issue(vol1, [Participation.get(Participation.volunteer == vol1)], vol1,  # certificate 1
                          datetime(2026, 1, 1).date(), "문화품앗이")
    auth.login("admin")
    for method, url in _admin_urls(app):
        if method == "GET":  # the monitor's polled parts send a visit without htmx to the monitor page
            assert client.get(url, follow_redirects=True).status_code == 200, url


def _vol(name="vol1"):
    return Member.get(Member.username == name)


def test_create_member_and_errors(app, client, auth, demo):
    auth.login("admin")
    bad = client.post("/admin/members/new", data={"username": "a", "name": "", "role": "site", "phone": "x",
                                                  "email": "nope", "password": "short"})
    assert bad.status_code == 422
    for message in ("아이디는 영문", "이름을 50자 이하로", "담당 활동처를 선택해 주세요.", "전화번호 형식이 올바르지 않습니다.",
                    "이메일 주소 형식이"):
        assert message in bad.text
    taken = client.post("/admin/members/new", data={"username": "vol1", "name": "x", "role": "volunteer",
                                                    "password": "long-enough"})
    assert "이미 사용 중인 아이디입니다." in taken.text
    with app.app_context(), db.connection_context():
        count = Member.select().count()
        site_id = Site.get(Site.name == "종로 문화나눔센터").id
    good = client.post("/admin/members/new", data={"username": "newsite", "name": "새 담당자", "role": "site",
                                                   "site_id": str(site_id), "phone": "010-1234-5678",
                                                   "email": "m@example.org", "password": "long-enough"})
    assert good.status_code == 303
    with app.app_context(), db.connection_context():
        assert Member.select().count() == count + 1
        assert Member.get(Member.username == "newsite").site_id == site_id


def test_deactivate_blocks_log_in(app, client, auth, demo):
    auth.login("admin")
    with app.app_context(), db.connection_context():
        vol_id = _vol("vol2").id
    assert client.post(f"/admin/members/{vol_id}/active", data={"active": "0"}).status_code == 303
    auth.logout()
    assert auth.login("vol2").status_code == 401
    with app.app_context(), db.connection_context():
        assert AuditLog.select().where(AuditLog.action == "member.deactivate").count() == 1


def test_remove_member_deletes_rrn_and_keeps_records(app, client, auth, demo):
    with app.app_context(), db.connection_context():
        vol = _vol("vol1")
        Identity.create(member=vol, rrn_token=app.extensions["rrn_vault"].encrypt("9001011234567"),
                        rrn_masked="900101-1******")
        participations = Participation.select().where(Participation.volunteer == vol).count()
    auth.login("admin")
    assert client.post(f"/admin/members/{vol.id}/remove").status_code == 303
    with app.app_context(), db.connection_context():
        gone = Member.get_by_id(vol.id)
        assert gone.name == "탈퇴회원" and gone.removed_at is not None and not gone.is_active
        assert Identity.select().count() == 0
        assert Participation.select().where(Participation.volunteer == vol).count() == participations
    assert "탈퇴회원" in client.get(f"/admin/members/{vol.id}").text
    auth.logout()
    assert auth.login("vol1").status_code == 401


def test_operator_cannot_remove_self(app, client, auth, demo):
    auth.login("admin")
    with app.app_context(), db.connection_context():
        admin_id = Member.get(Member.username == "admin").id
    assert client.post(f"/admin/members/{admin_id}/remove").status_code == 409


def test_role_change_is_audited(app, client, auth, demo):
    auth.login("admin")
    with app.app_context(), db.connection_context():
        vol = _vol("vol3")
    response = client.post(f"/admin/members/{vol.id}", data={"name": vol.name, "role": "operator", "phone": "",
                                                             "email": ""})
    assert response.status_code == 303
    with app.app_context(), db.connection_context():
        entry = AuditLog.get(AuditLog.action == "member.role")
        assert entry.detail == "개인회원 -> 운영자" and entry.actor_name == "admin"


def test_sites_create_edit_and_assign(app, client, auth, demo):
    auth.login("admin")
    assert "같은 이름의 활동처가 있습니다." in client.post("/admin/sites/new", data={"name": "CSV 총괄운영본부"}).text
    assert client.post("/admin/sites/new", data={"name": "", "phone": ""}).status_code == 422
    created = client.post("/admin/sites/new", data={"name": "새 활동처", "phone": "02-111-2222"})
    assert created.status_code == 303
    site_id = int(created.headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/admin/sites/{site_id}/managers", data={"username": "nobody"}).status_code == 422
    assert client.post(f"/admin/sites/{site_id}/managers", data={"username": "vol3"}).status_code == 303
    with app.app_context(), db.connection_context():
        vol3 = _vol("vol3")
        assert vol3.role == "site" and vol3.site_id == site_id


def test_settings_override_support_phone(app, client, auth, demo):
    auth.login("admin")
    bad = client.post("/admin/settings", data={"ORG_NAME": "", "SUPPORT_PHONE": "call me"})
    assert bad.status_code == 422 and "기관명을 입력해 주세요." in bad.text
    with app.app_context(), db.connection_context():
        assert ConfigValue.select().count() == 0
    ok = client.post("/admin/settings", data={"ORG_NAME": "문화품앗이", "SUPPORT_PHONE": "02-555-0000"})
    assert ok.status_code == 303
    assert "기술지원(02-555-0000)" in client.get("/admin/").text
    app.config["PORTAL_URL"] = "http://127.0.0.1:9"  # nothing listens there
    connection = client.post("/admin/settings/test-connection")
    assert "1365에 연결할 수 없습니다" in connection.text


def test_correct_a_succeeded_date(app, client, auth, demo):
    with app.app_context(), db.connection_context():
        log = DailyLog.select().order_by(DailyLog.id).first()
        DailyLog.update(link_state=DateState.SUCCEEDED, result_code=300).where(DailyLog.id == log.id).execute()
    auth.login("admin")
    missing = client.post(f"/admin/daily-logs/{log.id}/correct", data={"date": log.date.isoformat(),
                                                                       "start": "10:00", "end": "15:00"})
    assert missing.status_code == 422 and "수정 사유를" in missing.text
    reversed_times = client.post(f"/admin/daily-logs/{log.id}/correct",
                                 data={"date": log.date.isoformat(), "start": "15:00", "end": "10:00",
                                       "reason": "x"})
    assert reversed_times.status_code == 422 and "종료시간은 시작시간보다 늦어야 합니다." in reversed_times.text
    ok = client.post(f"/admin/daily-logs/{log.id}/correct", data={"date": log.date.isoformat(), "start": "10:00",
                                                                  "end": "15:00", "reason": "활동처 입력 오류"})
    assert ok.status_code == 303
    with app.app_context(), db.connection_context():
        fixed = DailyLog.get_by_id(log.id)
        assert fixed.minutes == 300 and fixed.link_state == DateState.SUCCEEDED
        entry = AuditLog.get(AuditLog.action == "daily_log.correct")
        assert "사유: 활동처 입력 오류" in entry.detail and entry.actor_name == "admin"


def test_per_date_linkage_of_a_legacy_participation(app, demo):
    with app.app_context(), db.connection_context():
        legacy = Participation.get(Participation.legacy_linked == True)  # noqa: E712
        admin = Member.get(Member.username == "admin")
        assert summary(legacy).state == ParticipationState.DONE
        assert request_linkage(legacy, legacy.volunteer, require_identity=False) is None
        with pytest.raises(IdentityRequired):
            helpdesk.link_per_date(legacy, admin)
        Identity.create(member=legacy.volunteer, rrn_token="x", rrn_masked="900101-1******")
        request = helpdesk.link_per_date(legacy, admin)
        assert request.kind == "support"
        assert summary(legacy).state == ParticipationState.LINKING
        assert Participation.get_by_id(legacy.id).legacy_linked  # the whole-period history is kept


def test_retry_selected_failed_dates(app, client, auth, demo):
    with app.app_context(), db.connection_context():
        vol = _vol("vol2")
        Identity.create(member=vol, rrn_token="x", rrn_masked="880515-2******")
        logs = list(DailyLog.select().join(Participation).where(Participation.volunteer == vol))
        DailyLog.update(link_state=DateState.FAILED, result_code=200).where(DailyLog.id.in_([l.id for l in logs])).execute()
    auth.login("admin")
    page = client.get("/admin/failures?code=200")
    assert all(f'id="log-{l.id}"' in page.text for l in logs)
    assert 'id="log-' not in client.get("/admin/failures?code=100").text
    chosen = logs[0]
    assert client.post("/admin/failures/retry", data={"log_ids": [str(chosen.id)]}).status_code == 303
    with app.app_context(), db.connection_context():
        assert DailyLog.get_by_id(chosen.id).link_state == DateState.PENDING
        assert all(DailyLog.get_by_id(l.id).link_state == DateState.FAILED for l in logs[1:])
        assert LinkRequest.get().kind == "retry"


def test_monitor_counts(app, demo):
    with app.app_context(), db.connection_context():
        ids = [l.id for l in DailyLog.select().limit(3)]
        DailyLog.update(link_state=DateState.FAILED, result_code=100).where(DailyLog.id.in_(ids)).execute()
        counts = monitor.counts()
        assert counts["state"][DateState.FAILED] == 3 and counts["code"][100] == 3
        assert counts["state"][DateState.UNSENT] == DailyLog.select().count() - 3
        assert monitor.oldest_pending_age() is None
        total, rows = monitor.failing_dates(monitor.FailureFilter(volunteer="김민준"), 1, 30)
        assert total == len(rows) <= 3


def test_notification_once_and_shown_on_next_visit(app, client, auth, demo, caplog):
    with app.app_context(), db.connection_context():
        vol = _vol("vol1")
        Member.update(email="vol1@example.org").where(Member.id == vol.id).execute()
        participation = Participation.select().where(Participation.volunteer == vol).first()
        request = LinkRequest.create(participation=participation, finished_at=participation.created_at)
        DailyLog.update(link_state=DateState.SUCCEEDED, result_code=300).where(DailyLog.participation == participation).execute()
        with caplog.at_level("INFO", logger="pumasi.ops.mail"):
            first = notify.tell_ended([request.id], app.config)[request.id]
            again = notify.tell_ended([request.id], app.config)[request.id]
        assert first.id == again.id and Notification.select().count() == 1
        assert "[1365 연계완료]" in first.title and Notification.get_by_id(first.id).emailed_at is not None
        assert caplog.text.count("vol1@example.org") == 1  # one e-mail, however often the end is seen
    auth.login("vol1")
    assert first.title in client.get("/mypage/").text
    assert first.title not in client.get("/mypage/").text  # seen once, then gone


def test_migrations_from_version_1(app, demo):
    """A database made by the first release gets the console tables (3), session versions (4),
    password resets (5), the RRN keys' check (7), user-name keys (8), page versions (14),
    birth dates and imports (18)."""
    with app.app_context(), db.connection_context():
        db.drop_tables([Notification, ConfigValue, PasswordReset, KeyCheck])
        db.execute_sql("ALTER TABLE member DROP COLUMN session_version")
        db.execute_sql("ALTER TABLE member DROP COLUMN must_change_password")
        db.execute_sql("DROP INDEX member_username_key")
        db.execute_sql("ALTER TABLE member DROP COLUMN username_key")
        db.execute_sql("ALTER TABLE member DROP COLUMN page_version")
        db.execute_sql("ALTER TABLE member DROP COLUMN birth_date")
        db.drop_tables([ImportRun])
        SchemaVersion.update(version=1).execute()
        assert migrations.upgrade() == (1, migrations.LATEST)
        assert all(model.table_exists() for model in (Notification, ConfigValue, PasswordReset, KeyCheck))
        columns = {c.name for c in db.get_columns("member")}
        assert {"session_version", "must_change_password", "username_key", "page_version", "birth_date"} <= columns
        assert ImportRun.table_exists()
        vol1 = Member.get(Member.username == "vol1")  # the data is kept
        assert vol1.session_version == 0 and vol1.must_change_password is False and vol1.username_key == "vol1"
        assert vol1.page_version == 0
        assert migrations.upgrade() == (migrations.LATEST, migrations.LATEST)


def test_audit_pages_keep_the_filter_and_show_a_window(app, client, auth, demo):
    """200 entries of one action, 30 a page: page 4 of 7 links ‹, 1 2 3 [4] 5 6 7, ›, each with
    the filter kept; the other action's entries are not counted."""
    with app.app_context(), db.connection_context():
        AuditLog.insert_many([{"action": "test.paging", "actor_name": "system", "detail": str(n)}
                              for n in range(200)]).execute()
    auth.login("admin")
    page = client.get("/admin/audit?action=test.paging&page=4")
    assert page.status_code == 200
    pager = re.search(r'<nav class="pages".*?</nav>', page.text, re.S).group(0)
    assert re.findall(r">([^<>]+)</(?:a|span)>", pager) == ["‹", "1", "2", "3", "4", "5", "6", "7", "›"]
    links = re.findall(r'href="([^"]+)"', pager)
    assert all("action=test.paging" in link for link in links), links
    assert 'aria-current="page">4<' in pager


def test_operator_identity_reset_asks_first(app, client, auth, demo):
    """Issue 18 walk: the operator's 본인인증 초기화 took effect on one click; now it asks, as the
    volunteer's own does (a dialog for htmx, the same words as a page without JavaScript)."""
    from helpers import verify
    verify(app, "vol1")
    auth.login("admin")
    vol1 = _vol()
    url = f"/admin/members/{vol1.id}/identity-reset"
    page = client.get(f"/admin/members/{vol1.id}")
    assert f'href="{url}"' in page.text and f'action="{url}"' not in page.text
    for headers in ({}, {"HX-Request": "true"}):
        asked = client.get(url, headers=headers)
        assert asked.status_code == 200 and "이 회원의 본인인증을 초기화하시겠습니까?" in asked.text
        assert ("<h1>" in asked.text) is (not headers)
    assert Identity.select().where(Identity.member == vol1.id).count() == 1
    done = client.post(url, headers={"HX-Request": "true"})
    assert done.status_code == 204 and done.headers["HX-Redirect"] == f"/admin/members/{vol1.id}"
    assert Identity.select().where(Identity.member == vol1.id).count() == 0
    assert "본인인증을 초기화했습니다." in client.get(f"/admin/members/{vol1.id}").text
    verify(app, "vol1")
    plain = client.post(url)
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"/admin/members/{vol1.id}")
    assert Identity.select().where(Identity.member == vol1.id).count() == 0


def test_audit_log_speaks_korean(app, client, auth, demo):
    """Issue 18 walk: action codes (rrn.decrypt, identity.reset) and an English placeholder; now a
    Korean label for every action the code records, the code only as a small detail."""
    import pathlib
    from pumasi.ops.audit_labels import ACTION_LABELS, TARGET_LABELS
    from pumasi.linkage.state import RequestKind
    recorded = set()
    for path in pathlib.Path("pumasi").rglob("*.py"):
        recorded |= set(re.findall(r'audit\.record(?:_many)?\(\s*"([a-z_]+\.[a-z_.-]+)"', path.read_text()))
    kinds = (RequestKind.REQUEST, RequestKind.RELINK, RequestKind.RETRY, RequestKind.SUPPORT)
    recorded |= {"portal.endpoint"} | {f"link.{kind}" for kind in kinds}
    assert len(recorded) > 25 and recorded <= set(ACTION_LABELS), recorded - set(ACTION_LABELS)
    from helpers import verify
    verify(app, "vol1")
    auth.login("admin")
    client.post(f"/admin/members/{_vol().id}/identity-reset")
    text = client.get("/admin/audit").text
    assert "본인인증 초기화" in text and '<small class="code">identity.reset</small>' in text
    assert "placeholder=\"Member" not in text and all(label in text for label in TARGET_LABELS.values())
