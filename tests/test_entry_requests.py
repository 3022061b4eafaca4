"""입력 요청 (issue 18 part 3): from the no-detail notice a volunteer asks their site for the daily logs;
one open ask per participation, rate-limited; the site sees it on its home page and gets one e-mail a
day with the new ones; it closes when the site enters a date, and the row offers 연계신청 again. The
walk in a browser is in test_entry_requests_browser.py."""
from datetime import date, timedelta

from pumasi.clock import utcnow
from pumasi.models import Activity, AuditLog, EntryRequest, Member, Participation
from pumasi.ops import notify
from pumasi.records import dailylogs, entry_requests
from pumasi.records.dailylogs import LogInput

from helpers import ctx

HX = {"HX-Request": "true"}
MUSEUM = "박물관 전시 해설 도우미"  # site2's; vol1, vol2 and vol3 are in it without a date


def _participation(username, title=MUSEUM):
    return (Participation.select().join(Activity).switch(Participation).join(Member)
            .where(Member.username == username, Activity.title == title).get())


def test_a_volunteer_asks_once_the_site_sees_it_and_a_date_closes_it(app, client, auth, demo):
    with ctx(app):
        p = _participation("vol1")
    auth.login("vol1")
    notice = client.post(f"/mypage/participations/{p.id}/link", headers=HX).text
    assert "상세봉사내역이 존재하지 않습니다." in notice and "입력 요청</button>" in notice
    for _ in range(3):  # presses, tabs: one open ask
        done = client.post(f"/mypage/participations/{p.id}/entry-request", headers=HX)
        assert done.status_code == 200 and "rows-changed" in done.headers["HX-Trigger"]
        assert "입력을 요청했습니다" in done.text
    with ctx(app):
        (asked,) = EntryRequest.select()
        assert asked.open_participation == p.id and asked.requested_by.username == "vol1"
    row = client.get(f"/mypage/participations/{p.id}/row").text
    assert "입력 요청함 (" in row and "연계신청</button>" not in row
    assert "입력 요청함 (" in client.post(f"/mypage/participations/{p.id}/link", headers=HX).text
    auth.logout()

    auth.login("site1")  # not their activity
    assert "입력 요청" not in client.get("/site/").text
    auth.logout()
    auth.login("site2")
    home = client.get("/site/").text
    assert "입력 요청 <small>(1건)</small>" in home and "김민준 (vol1)" in home and MUSEUM in home
    with ctx(app):
        site2 = Member.get(Member.username == "site2")
        dailylogs.save_batch(p.activity, [LogInput(p.id, "2026-03-07", "10:00", "12:00")], site2, date(2026, 12, 1))
        assert EntryRequest.get().open_participation is None and EntryRequest.get().closed_at is not None
    assert "입력 요청 <small>" not in client.get("/site/").text
    auth.logout()

    auth.login("vol1")
    row = client.get(f"/mypage/participations/{p.id}/row").text
    assert "입력 요청함" not in row and "연계신청</button>" in row
    # A date exists now: nothing to ask for.
    again = client.post(f"/mypage/participations/{p.id}/entry-request", headers=HX)
    assert "이미 날짜를 입력했습니다" in again.text
    with ctx(app):
        assert EntryRequest.select().count() == 1


def test_asking_again_writes_no_second_audit_entry(app, demo):
    """The second ask finds the open one: one 'entry.request' entry, one version bump (on SQLite an
    ignored INSERT still reports the connection's previous row id, which read as 'inserted')."""
    with ctx(app):
        vol1 = Member.get(Member.username == "vol1")
        first = entry_requests.ask(_participation("vol1"), vol1)
        second = entry_requests.ask(_participation("vol1"), vol1)
        assert first.id == second.id
        assert AuditLog.select().where(AuditLog.action == "entry.request").count() == 1


def test_presses_are_rate_limited(app, client, auth, demo):
    app.config["ENTRY_REQUEST_LIMIT"] = "2 per hour"
    with ctx(app):
        p = _participation("vol1")
    auth.login("vol1")
    codes = [client.post(f"/mypage/participations/{p.id}/entry-request", headers=HX).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_without_javascript_the_press_comes_back_to_the_list(app, client, auth, demo):
    with ctx(app):
        p = _participation("vol2")
    auth.login("vol2")
    assert "입력 요청</button>" in client.post(f"/mypage/participations/{p.id}/link").text
    response = client.post(f"/mypage/participations/{p.id}/entry-request")
    assert response.status_code == 303 and response.headers["Location"].endswith("/mypage/activities")
    assert "입력 요청함 (" in client.get("/mypage/activities").text


def test_the_site_is_mailed_once_a_day_with_the_new_ones(app, demo, smtp_server):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, SMTP_STARTTLS=False)
    with ctx(app):
        Member.update(email="site2@example.org").where(Member.username == "site2").execute()
        for username in ("vol1", "vol2"):
            entry_requests.ask(_participation(username), Member.get(Member.username == username))
        assert notify.mail_entry_requests(app.config) == 1
        assert notify.mail_entry_requests(app.config) == 0  # nothing new
        message = smtp_server.wait_for(1)[0]
        assert message["To"] == "site2@example.org" and "입력 요청 2건" in message["Subject"]
        assert "김민준" in message.get_content() and "이서연" in message.get_content()
        entry_requests.ask(_participation("vol3"), Member.get(Member.username == "vol3"))
        assert notify.mail_entry_requests(app.config) == 0  # the site had its e-mail today
        EntryRequest.update(mailed_at=utcnow() - timedelta(days=1)).where(EntryRequest.mailed_at.is_null(False)) \
            .execute()
        assert notify.mail_entry_requests(app.config) == 1  # the next day: the new one
        assert "입력 요청 1건" in smtp_server.wait_for(2)[1]["Subject"]


def test_an_e_mail_that_could_not_be_sent_is_sent_by_the_next_sweep(app, demo, smtp_server):
    """The mail server down: the asks stay new (not marked e-mailed), so the next sweep sends them,
    as the alerts' e-mails are given back."""
    import socket
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=closed, SMTP_STARTTLS=False)
    with ctx(app):
        Member.update(email="site2@example.org").where(Member.username == "site2").execute()
        entry_requests.ask(_participation("vol1"), Member.get(Member.username == "vol1"))
        assert notify.mail_entry_requests(app.config) == 0
        assert EntryRequest.get().mailed_at is None
        app.config["SMTP_PORT"] = smtp_server.port
        assert notify.mail_entry_requests(app.config) == 1
        assert "입력 요청 1건" in smtp_server.wait_for(1)[0]["Subject"]


def test_a_sweep_that_loses_part_of_a_sites_asks_gives_back_the_rest(app, demo, monkeypatch):
    """Two sweeps at once, the second having seen one more ask: the first claims the asks it saw, the
    second claims only the newer one, sends nothing (another sweep sends that site's), and gives it
    back: it goes out with the site's next e-mail instead of never."""
    with ctx(app):
        first = entry_requests.ask(_participation("vol1"), Member.get(Member.username == "vol1"))
        newer = entry_requests.ask(_participation("vol2"), Member.get(Member.username == "vol2"))

        def other_sweep_first():  # after this sweep's look, before its claim
            EntryRequest.update(mailed_at=utcnow()).where(EntryRequest.id == first.id).execute()
            return utcnow()
        monkeypatch.setattr(entry_requests, "utcnow", other_sweep_first)
        assert entry_requests.due_digests() == []
        assert EntryRequest.get_by_id(newer.id).mailed_at is None
        assert EntryRequest.get_by_id(first.id).mailed_at is not None
