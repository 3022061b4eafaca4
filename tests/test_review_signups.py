"""A refused sign-up deleted its member with everything that pointed at it (peewee's recursive
delete): an operator's import of participations names volunteers by 아이디, a waiting sign-up's too, so
one 거절 (by an operator, or by any site the volunteer chose) took away imported dates already linked
to 1365, their history and certificates, of any site. Such a refusal is now refused with a message and
nothing changes; a sign-up with nothing else is still deleted. On both databases."""
from datetime import date

from helpers import ctx
from pumasi.accounts import signups
from pumasi.models import DailyLog, Member, Participation, Signup
from pumasi.transfer import runs

TODAY = date(2026, 11, 26)


def _waiting(app, username):
    with ctx(app):
        member = Member.create(username=username, name="김하늘", role="volunteer", active=False, password_hash="!")
        return Signup.create(member=member, approval="operator", state="pending").id


def _history_imported(app, username):
    """The operators' participation import, naming the waiting account: a date 연계성공 with its code."""
    with ctx(app):
        admin = Member.get(Member.username == "admin")
        activity = runs.preview(runs.start("activities", "a.csv", (
            "활동처,구분,봉사제목,활동기간\r\n종로 문화나눔센터,문화,지난해 활동,2025-01-01~2025-12-31\r\n"
        ).encode(), admin).id, TODAY, app.config)
        assert runs.choose(activity, {}) and runs.save(activity.id, TODAY, app.config).state == "saved"
        run = runs.preview(runs.start("participations", "p.csv", (
            "회원아이디,이름,활동처,봉사제목,활동일,시작시간,종료시간,1365연계,결과코드\r\n"
            f"{username},김하늘,종로 문화나눔센터,지난해 활동,2025-03-01,10:00,12:00,연계성공,300\r\n").encode(),
            admin).id, TODAY, app.config)
        assert run.state == "previewed" and not runs.read(run)["counts"]["bad"], runs.read(run)
        assert runs.choose(run, {}) and runs.save(run.id, TODAY, app.config).state == "saved"


def _records(app, username):
    with ctx(app):
        return (DailyLog.select().join(Participation).join(Member).where(Member.username == username).count())


def test_refusing_a_sign_up_never_deletes_imported_dates(app, demo, client, auth):
    signup_id = _waiting(app, "kim01")
    _history_imported(app, "kim01")
    assert _records(app, "kim01") == 1
    auth.login("admin")
    refused = client.post("/admin/signups", data={"signup": str(signup_id), "decision": "refuse", "confirm": "1"})
    assert refused.status_code == 303
    assert signups.HAS_RECORDS_MESSAGE in client.get(refused.headers["Location"]).text
    assert _records(app, "kim01") == 1
    with ctx(app):
        assert Signup.get_by_id(signup_id).state == "pending" and not Member.get(Member.username == "kim01").active
    approved = client.post("/admin/signups", data={"signup": str(signup_id), "decision": "approve"})
    assert approved.status_code == 303
    with ctx(app):
        assert Member.get(Member.username == "kim01").active and _records(app, "kim01") == 1


def test_a_sign_up_with_nothing_else_is_still_deleted(app, demo, client, auth):
    signup_id = _waiting(app, "kim02")
    auth.login("admin")
    assert client.post("/admin/signups", data={"signup": str(signup_id), "decision": "refuse", "confirm": "1"}).status_code == 303
    with ctx(app):
        assert not Member.select().where(Member.username == "kim02").exists()
