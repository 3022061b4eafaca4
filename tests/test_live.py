"""활동내역 live (issue 17 items 2 and 3, pumasi/web/live.py): the page poll answers 204 from the session
and one key lookup, or the changed rows out of band with the new version and the words for the live
region; the page and its fragment carry an ETag and a reload with an unchanged version is a 304 with
the version lookup as its only statement; after any change the page shows (every scenario of the
version's walk), the same ETag gets a 200 with the new state."""
import logging
import re

import pytest

from pumasi.linkage import answers
from pumasi.linkage.state import AttemptState
from pumasi.models import LinkAttempt, Member

from helpers import ctx, member, participation, sql_of, verify
from test_page_version import ONE_DAY, SCENARIOS

HX = {"HX-Request": "true"}
VERSION = re.compile(r'id="page-version" data-version="(\d+)"')
ROW = re.compile(r'<tr id="p-(\d+)" class="[^"]*" data-state="(\w+)" data-sig="(\w+)"')


def poll_url(page_text, page=1):
    rows = ",".join(":".join(found) for found in ROW.findall(page_text))
    return f"/mypage/activities/changes?page={page}&v={VERSION.search(page_text).group(1)}&rows={rows}"


def only_the_version(statements):
    return len(statements) == 1 and "page_version" in statements[0] and "FROM member WHERE id" in statements[0]


def test_the_page_carries_an_etag_and_a_reload_is_a_304_with_one_lookup(app, client, auth, demo):
    auth.login("vol1")
    for headers in ({}, HX):  # the page, and the fragment htmx asks for
        first = client.get("/mypage/activities", headers=headers)
        assert first.status_code == 200 and first.headers["ETag"]
        assert first.headers["Cache-Control"] == "private, no-cache"
        assert {"Cookie", "HX-Request"} <= set(first.vary)
        client.get("/mypage/activities", headers=headers)  # the settings' cache is warm
        again, statements = sql_of(lambda: client.get(
            "/mypage/activities", headers={**headers, "If-None-Match": first.headers["ETag"]}))
        assert again.status_code == 304 and again.headers["ETag"] == first.headers["ETag"]
        assert only_the_version(statements), statements
    page, fragment = (client.get("/mypage/activities", headers=h).headers["ETag"] for h in ({}, HX))
    assert page != fragment  # one is not the other's 304
    second_page = client.get("/mypage/activities?page=2", headers={"If-None-Match": page})
    assert second_page.status_code != 304


def test_poll_unchanged_is_a_204_with_one_lookup(app, client, auth, demo, caplog):
    auth.login("vol1")
    page = client.get("/mypage/activities").text
    client.get(poll_url(page))
    with caplog.at_level(logging.INFO, logger="pumasi.request"):
        answer, statements = sql_of(lambda: client.get(poll_url(page), headers=HX))
    assert answer.status_code == 204 and answer.text == ""
    assert answer.headers["Cache-Control"] == "no-store" and answer.headers["X-Frame-Options"] == "DENY"
    assert only_the_version(statements), statements
    assert "changes" not in caplog.text  # answered in front of Flask (live.UnchangedPolls): no request built


def test_poll_sends_the_changed_row_its_announcement_and_the_new_version(app, client, auth, demo):
    auth.login("vol1")
    with ctx(app):
        verify(app, "vol1")
    pid = participation_id("vol1", ONE_DAY, app)
    assert client.post(f"/mypage/participations/{pid}/link", headers=HX).status_code == 200
    page = client.get("/mypage/activities").text
    assert f'id="p-{pid}" class="state-linking"' in page
    assert client.get(poll_url(page), headers=HX).status_code == 204
    with ctx(app):
        request = participation("vol1", ONE_DAY).link_requests.get()
        LinkAttempt.update(state=AttemptState.SUBMITTED).where(LinkAttempt.request == request).execute()
        answers.apply_answers([request.id], {a.ref: ("done", 300, "") for a in request.attempts}, app.config)
    changed = client.get(poll_url(page), headers=HX)
    assert changed.status_code == 200
    rows = ROW.findall(changed.text)
    assert [(int(p), state) for p, state, _ in rows] == [(pid, "done")]  # that row alone
    assert 'hx-swap-oob="true"' in changed.text and "<template>" in changed.text
    assert re.search(r'hx-swap-oob="innerHTML:#live-status">[^<]*연계완료</div>', changed.text)
    new_version = VERSION.search(changed.text).group(1)
    assert new_version != VERSION.search(page).group(1)
    assert client.get(poll_url(page).replace(f"v={VERSION.search(page).group(1)}", f"v={new_version}"),
                      headers=HX).status_code == 204


def test_poll_sends_the_whole_table_when_rows_came_or_went(app, client, auth, demo):
    auth.login("vol2")
    page = client.get("/mypage/activities").text
    with ctx(app):
        from pumasi.records import activities
        from pumasi.models import Activity
        activities.add_volunteer(Activity.get(Activity.title == ONE_DAY), "vol2", member("site1"))
    changed = client.get(poll_url(page), headers=HX)
    assert changed.status_code == 200
    assert '<section id="activity-table" class="card" hx-swap-oob="true"' in changed.text
    assert len(ROW.findall(changed.text)) == len(ROW.findall(page)) + 1
    assert client.get("/mypage/activities/changes?v=0&rows=1:x", headers=HX).status_code == 200  # odd: all


def participation_id(username, title, app):
    with ctx(app):
        return participation(username, title).id


# "notice seen" is what a page load itself does (shown once, then marked read): see the test below.
@pytest.mark.parametrize("scenario", sorted(set(SCENARIOS) - {"notice seen"}))
def test_a_304_with_a_stale_version_is_impossible(app, demo, scenario):
    """Log every volunteer in, keep each one's ETags (page and fragment), make the change, ask again:
    each volunteer whose page changed gets a 200 (or no page at all), never a 304."""
    setup, act = SCENARIOS[scenario]
    with ctx(app):
        prepared = setup(app)
    clients, tags = {}, {}
    for username in ("vol1", "vol2", "vol3"):
        clients[username] = app.test_client()
        clients[username].post("/login", data={"username": username, "password": "pumasi-demo"})
        clients[username].get("/mypage/activities")  # notices waiting are shown (and seen) once
        tags[username] = [(h, clients[username].get("/mypage/activities", headers=h).headers["ETag"]) for h in ({}, HX)]
        for headers, tag in tags[username]:
            assert clients[username].get("/mypage/activities",
                                         headers={**headers, "If-None-Match": tag}).status_code == 304
    with ctx(app):
        changed = act(app, prepared)
    for username in changed:
        for headers, tag in tags[username]:
            again = clients[username].get("/mypage/activities", headers={**headers, "If-None-Match": tag})
            assert again.status_code != 304, f"{scenario}: {username} kept a stale page"


def test_notices_shown_once_then_the_page_without_them(app, client, auth, demo):
    with ctx(app):
        setup, _ = SCENARIOS["notice seen"]
        setup(app)  # a linkage ended and was told
    auth.login("vol1")
    shown = client.get("/mypage/activities")
    assert "[1365 연계완료]" in shown.text
    again = client.get("/mypage/activities", headers={"If-None-Match": shown.headers["ETag"]})
    assert again.status_code == 200 and "[1365 연계완료]" not in again.text
    assert client.get("/mypage/activities", headers={"If-None-Match": again.headers["ETag"]}).status_code == 304


def test_a_new_session_or_a_logout_is_never_answered_from_the_old_etag(app, client, auth, demo):
    auth.login("vol1")
    tag = client.get("/mypage/activities").headers["ETag"]
    cookie = client.get_cookie("session").value
    auth.logout()
    other = app.test_client()
    other.set_cookie("session", cookie)  # the copied cookie of the ended session
    stale = other.get("/mypage/activities", headers={"If-None-Match": tag})
    assert stale.status_code == 302 and "/login" in stale.headers["Location"]
    assert other.get("/mypage/activities/changes?v=0", headers=HX).status_code != 204
    auth.login("vol1")  # a new session: a new CSRF token on the page, so a new ETag
    assert client.get("/mypage/activities", headers={"If-None-Match": tag}).status_code == 200


def test_logout_clears_the_browser_cache(client, auth, demo):
    auth.login("vol1")
    assert auth.logout().headers["Clear-Site-Data"] == '"cache"'


def test_others_are_not_answered_from_the_fast_path(app, client, auth, demo):
    auth.login("site1")
    assert client.get("/mypage/activities/changes?v=0", headers=HX).status_code == 403
    auth.logout()
    auth.login("vol1")
    tag = client.get("/mypage/activities").headers["ETag"]
    with ctx(app):
        Member.update(must_change_password=True).where(Member.username == "vol1").execute()
    forced = client.get("/mypage/activities", headers={"If-None-Match": tag})
    assert forced.status_code == 303 and "/account/password" in forced.headers["Location"]


def test_the_kept_table_is_never_read_under_another_version(app, client, auth, demo):
    auth.login("vol1")
    with ctx(app):
        verify(app, "vol1")
    pid = participation_id("vol1", ONE_DAY, app)
    first = client.get("/mypage/activities").text
    kept, statements = sql_of(lambda: client.get("/mypage/activities"))
    assert kept.text == first and not any("FROM participation" in s for s in statements)  # the kept table
    assert f'id="p-{pid}" class="state-request"' in first
    client.post(f"/mypage/participations/{pid}/link", headers=HX)  # the version moves
    after = client.get("/mypage/activities")
    assert f'id="p-{pid}" class="state-linking"' in after.text
    fragment = client.get("/mypage/activities", headers=HX).text
    assert fragment.startswith('{# data-changes') is False and f'id="p-{pid}" class="state-linking"' in fragment
