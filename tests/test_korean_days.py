"""A day an operator picks in a filter is a day in Korea, as every time on the page is shown: the 감사
기록's 시작일/종료일 and the 접속기록's period bound the stored (naive UTC) moments by Korea's midnights."""
import re
from datetime import date, datetime

from pumasi.clock import korean_day_start
from pumasi.db import db
from pumasi.models import AuditLog


def test_korean_day_start_is_the_utc_moment_of_koreas_midnight():
    assert korean_day_start(date(2026, 12, 7)) == datetime(2026, 12, 6, 15, 0)
    assert korean_day_start(date(2027, 1, 1)) == datetime(2026, 12, 31, 15, 0)


def test_the_audit_log_filters_by_koreas_days(app, client, auth, demo):
    """05:00 on 7 December in Korea is 20:00 on 6 December in UTC: listed under the 7th, not the 6th;
    23:30 on the 7th in Korea (14:30 UTC) is the 7th's too."""
    with app.app_context(), db.connection_context():
        AuditLog.insert_many([
            {"action": "test.day", "actor_name": "system", "detail": "early", "at": datetime(2026, 12, 6, 20, 0)},
            {"action": "test.day", "actor_name": "system", "detail": "late", "at": datetime(2026, 12, 7, 14, 30)},
            {"action": "test.day", "actor_name": "system", "detail": "next", "at": datetime(2026, 12, 7, 15, 0)},
        ]).execute()
    auth.login("admin")

    def details(period):
        page = client.get(f"/admin/audit?action=test.day&{period}")
        assert page.status_code == 200
        return sorted(re.findall(r"<td>(early|late|next)</td>", page.text))
    assert details("date_from=2026-12-07&date_to=2026-12-07") == ["early", "late"]
    assert details("date_from=2026-12-06&date_to=2026-12-06") == []
    assert details("date_from=2026-12-08") == ["next"]
    assert "2026-12-07 05:00:00" in client.get("/admin/audit?action=test.day").text  # as shown
