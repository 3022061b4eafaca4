"""확인서 출력 with many activities checked: the volunteer's chosen participations are read in one
query, not one each (a press may name 200)."""
from datetime import date

from pumasi.models import Activity, DailyLog, Member, Participation, Site

from helpers import ctx
from helpers import sql_of


def test_the_statements_of_an_issue_do_not_grow_with_the_activities_checked(app, client, auth, demo):
    with ctx(app):
        vol1, site = Member.get(Member.username == "vol1"), Site.select().first()
        ids = []
        for n in range(30):
            activity = Activity.create(site=site, title=f"활동 {n:02d}", category="문화",
                                       start_date=date(2026, 1, 1), end_date=date(2026, 6, 30))
            participation = Participation.create(activity=activity, volunteer=vol1)
            DailyLog.create(participation=participation, date=date(2026, 2, 1 + n % 28), start="10:00",
                            end="11:00", minutes=60)
            ids.append(participation.id)
    auth.login("vol1")

    def issue(chosen):
        def press():
            return client.post("/mypage/certificate", data={"participation_ids": [str(i) for i in chosen]})
        response, statements = sql_of(press)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        return len(statements)
    few, many = issue(ids[:5]), issue(ids[5:])
    assert many - few <= 2, (few, many)
    with ctx(app):  # someone else's among them: 404, nothing issued
        theirs = Participation.select().join(Member).where(Member.username == "vol2").first().id
    assert client.post("/mypage/certificate", data={"participation_ids": [str(ids[0]), str(theirs)]}).status_code == 404
