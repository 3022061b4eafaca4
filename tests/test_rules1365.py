"""1365's rules checked before sending (issue 18 part 5): dates older than RULES_OLD_MONTHS and minutes
that are not whole hours are warnings (the date is saved), shown to the site on entry and to the
operator before linkage; more than 8 hours a day across sites stays refused with its message
(tests/test_site.py: test_the_daily_cap_and_overlaps_across_activities_on_the_form)."""
from datetime import date, timedelta

import pytest

from pumasi.clock import today_kst
from pumasi.models import Activity, DailyLog, Member, Participation, Site
from pumasi.records import rules1365

from helpers import ctx
from test_site import HX, day_form, day_url, logs_of

TODAY = today_kst()
OLD, RECENT = TODAY - timedelta(days=120), TODAY - timedelta(days=3)


@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 5, 31), 3, date(2026, 2, 28)), (date(2024, 5, 31), 3, date(2024, 2, 29)),
    (date(2026, 1, 15), 3, date(2025, 10, 15)), (date(2026, 3, 1), 12, date(2025, 3, 1))])
def test_months_before(day, months, expected):
    assert rules1365.months_before(day, months) == expected


def test_what_a_date_is_told():
    today = date(2026, 12, 7)
    assert rules1365.date_warnings(date(2026, 9, 7), 120, today, 3) == []  # exactly 3 months: still in
    old = rules1365.date_warnings(date(2026, 9, 6), 120, today, 3)
    assert old == ["3개월보다 오래된 활동일입니다. 3개월이 지난 실적은 받지 않는 센터가 많으니 1365(자원봉사센터)에 먼저 확인해 주세요."]
    assert rules1365.date_warnings(date(2026, 12, 1), 90, today, 3) == [
        "인정시간 1시간 30분: 1365에는 분까지 기록되지만 학교(NEIS) 봉사시간은 시간 단위로만 인정됩니다."]
    assert len(rules1365.date_warnings(date(2020, 1, 1), 45, today, 3)) == 2
    assert rules1365.date_warnings(date(2020, 1, 1), 60, today, 0) == []  # 0: no age warning


@pytest.fixture
def world(app, demo):
    """site1 runs an activity over the last 200 days with vol1 and vol2."""
    with ctx(app):
        activity = Activity.create(site=Site.get(Site.name == "CSV 총괄운영본부"), category="문화", title="오래된 활동",
                                   start_date=TODAY - timedelta(days=200), end_date=TODAY)
        people = {username: Participation.create(activity=activity, volunteer=Member.get(Member.username == username)).id
                  for username in ("vol1", "vol2")}
        return {"activity": activity.id, "people": people}


def test_the_site_is_warned_on_entry_and_the_dates_are_saved(app, client, auth, world):
    auth.login("site1")
    response = client.post(day_url(world, OLD), headers=HX, data=day_form(
        world, {"vol1": ("10:00", "11:30", ""), "vol2": ("10:00", "12:00", "")}, day=OLD))
    assert response.status_code == 200 and "상세봉사내역 2건을 저장했습니다." in response.text
    warned = response.text.split('class="flash warn rules1365"')[1].split("</div>")[0]
    assert warned.count("3개월보다 오래된 활동일입니다") == 2 and "김민준" in warned and "이서연" in warned
    assert "인정시간 1시간 30분" in warned and warned.count("인정시간 ") == 1
    assert len(logs_of(app, world["activity"])) == 2
    recent = client.post(day_url(world, RECENT), headers=HX, data=day_form(
        world, {"vol1": ("10:00", "12:00", "")}, day=RECENT))
    assert recent.status_code == 200 and "rules1365" not in recent.text
    # Without JavaScript: the same words as messages after the redirect.
    page = client.post(day_url(world, RECENT), data=day_form(world, {"vol2": ("13:00", "13:40", "")}, day=RECENT))
    assert "인정시간 0시간 40분" in client.get(page.headers["Location"]).text


def test_the_operator_is_warned_before_linkage(app, client, auth, world):
    with ctx(app):
        pid = world["people"]["vol1"]
        DailyLog.create(participation=pid, date=OLD, start="10:00", end="11:30", minutes=90)
    auth.login("admin")
    page = client.get(f"/admin/participations/{pid}").text
    notes = page.split('class="flash warn rules1365"')[1].split("</div>")[0]
    assert f"{OLD.isoformat()}: 3개월보다 오래된 활동일입니다" in notes and "인정시간 1시간 30분" in notes


def test_the_site_is_warned_when_it_changes_one_date(app, client, auth, world):
    """The single-date dialog: saved, and the dialog stays open with what to check (the list behind it
    refreshes); no warning closes it as before; without JavaScript the words follow the redirect."""
    with ctx(app):
        log = DailyLog.create(participation=world["people"]["vol1"], date=RECENT, start="10:00", end="12:00",
                              minutes=120)
    auth.login("site1")
    url = f"/site/logs/{log.id}/edit"
    changed = client.post(url, headers=HX, data={"date": OLD.isoformat(), "start": "10:00", "end": "11:30",
                                                 "minutes": ""})
    assert changed.status_code == 200 and "logs-changed" in changed.headers["HX-Trigger"]
    assert "modal-close" not in changed.headers["HX-Trigger"] and "상세봉사내역을 저장했습니다." in changed.text
    warned = changed.text.split('class="flash warn rules1365"')[1].split("</div>")[0]
    assert "김민준" in warned and "3개월보다 오래된 활동일입니다" in warned and "인정시간 1시간 30분" in warned
    with ctx(app):
        assert (DailyLog.get_by_id(log.id).date, DailyLog.get_by_id(log.id).minutes) == (OLD, 90)
    quiet = client.post(url, headers=HX, data={"date": RECENT.isoformat(), "start": "10:00", "end": "12:00",
                                               "minutes": ""})
    assert quiet.status_code == 204 and "modal-close" in quiet.headers["HX-Trigger"]
    page = client.post(url, data={"date": RECENT.isoformat(), "start": "10:00", "end": "10:45", "minutes": ""})
    assert page.status_code == 303 and "인정시간 0시간 45분" in client.get(page.headers["Location"]).text


def test_the_site_is_warned_on_each_line_of_a_file_before_saving(app, client, auth, world):
    """The file's preview marks each good line that meets a rule (it can still be saved); a bad line
    gets no rule note; after saving, the same words come with the saved message."""
    import io
    import re
    rows = [("활동일", "회원아이디", "시작시간", "종료시간"),
            (OLD.isoformat(), "vol1", "10:00", "12:00"),        # old
            (RECENT.isoformat(), "vol2", "10:00", "11:20"),     # 80 minutes
            (RECENT.isoformat(), "vol1", "10:00", "12:00"),     # fine
            (OLD.isoformat(), "nobody", "10:00", "10:30")]      # bad: unknown volunteer
    data = "\n".join(",".join(row) for row in rows).encode("cp949")
    auth.login("site1")
    url = f"/site/activities/{world['activity']}/import"
    preview = client.post(url, data={"file": (io.BytesIO(data), "일지.csv")}, content_type="multipart/form-data")
    assert preview.status_code == 422  # one bad line
    line = {n: preview.text.split(f'id="line-{n}"')[1].split("</tr>")[0] for n in (2, 3, 4, 5)}
    assert "1365 확인: 3개월보다 오래된 활동일입니다" in line[2] and "정상" in line[2]
    assert "1365 확인: 인정시간 1시간 20분" in line[3] and "오래된" not in line[3]
    assert "1365 확인" not in line[4] and "1365 확인" not in line[5]
    assert "1365 확인이 표시된 2줄은 저장할 수 있지만" in preview.text
    token = re.search(r'name="upload" value="([^"]+)"', preview.text).group(1)
    done = client.post(url + "/confirm", data={"upload": token, "lines": "2,3,4"})
    assert done.status_code == 303 and len(logs_of(app, world["activity"])) == 3
    after = client.get(done.headers["Location"]).text
    assert "1365 확인: 김민준 " + OLD.isoformat() in after and "인정시간 1시간 20분" in after



def test_a_file_of_many_old_dates_keeps_the_session_cookie_small(app, client, auth, world):
    """Saving 600 lines that each meet a rule (a term's dates entered late): the preview listed every
    line's note; the page after the redirect says the first few and how many more, so the flashed words
    fit in the session cookie (a browser drops a cookie over 4 KB, and nginx answers 502 to a header
    over its 4-8 KB buffer; all 600 notes of 30 names made a 4.2 KB cookie)."""
    import io
    import re
    with ctx(app):
        activity = Activity.get_by_id(world["activity"])
        people = []
        for n in range(30):
            member = Member.create(username=f"late{n:02d}", name="김이박최정강조윤장임"[n % 10] + "민서지하도예수시태가은"[n * 7 % 11] + "준연호은윤우아린"[n * 3 % 8],
                                   role="volunteer", password_hash="x")
            Participation.create(activity=activity, volunteer=member)
            people.append(member.username)
    rows = [("활동일", "회원아이디", "시작시간", "종료시간")]
    for days in range(20):
        rows += [((OLD - timedelta(days=days)).isoformat(), username, "06:00", "07:00") for username in people]
    auth.login("site1")
    url = f"/site/activities/{world['activity']}/import"
    preview = client.post(url, data={"file": (io.BytesIO("\n".join(",".join(r) for r in rows).encode()), "일지.csv")},
                          content_type="multipart/form-data")
    assert preview.status_code == 200 and preview.text.count("1365 확인: 3개월보다 오래된") == 600
    token = re.search(r'name="upload" value="([^"]+)"', preview.text).group(1)
    lines = re.search(r'name="lines" value="([^"]+)"', preview.text).group(1)
    done = client.post(url + "/confirm", data={"upload": token, "lines": lines})
    assert done.status_code == 303 and len(logs_of(app, world["activity"])) == 600
    assert max(len(header) for header in done.headers.getlist("Set-Cookie")) < 4000
    after = client.get(done.headers["Location"]).text
    assert "상세봉사내역 600건을 저장했습니다." in after and after.count("1365 확인: ") == 10
    assert "그 밖에 1365 확인 사항이 590건 더 있습니다." in after


def test_the_names_of_many_saved_dates_are_read_in_one_query(app, world):
    """The warnings of saved dates (a file's 2,000 edited lines come back without their participation)
    name each volunteer from one query, not two per date."""
    from helpers import sql_of
    with ctx(app):
        for days in range(20):
            for username in ("vol1", "vol2"):
                DailyLog.create(participation=world["people"][username], date=OLD - timedelta(days=days),
                                start="10:00", end="11:00", minutes=60)
        logs = list(DailyLog.select().where(DailyLog.participation.in_(list(world["people"].values()))))
        found, statements = sql_of(rules1365.warnings, logs, TODAY, 3)
    assert len(found) == 40 and {w.name for w in found} == {"김민준", "이서연"} and len(statements) <= 1
    assert [w.date for w in found] == sorted(w.date for w in found)
