"""A site's file of daily logs as a real office writes it (the walks): CP949 from Excel, the columns in
another order with a trailing space in a header, Excel's times as fractions of a day, dates in Korean
Excel's long format ('2026년 11월 4일 수요일') or with a weekday, hours typed as '9시', an empty row,
cells with trailing spaces, a night ending at 24:00, and a date whose year Excel's display dropped
('11월 3일'): every line is read, or told what to change, and the preview shows what was read."""
import io
from datetime import date

import pytest

from pumasi.db import db
from pumasi.models import Activity, Participation

MENTORING = "청소년 문화예술 멘토링"  # site1, 2026-06-01..2026-11-30: vol1 and vol3

MESSY = "\r\n".join([
    "종료시간,시작시간,회원아이디 ,활동일,이름",
    "0.5,0.375,vol1 ,2026.11.3,김민준",                         # 2: fractions of a day, 2026.11.3
    "12:00,10:00,vol3,11월 3일,박지호",                          # 3: no year
    ",,,,",                                                       # an empty row
    "오후 3:00,오후 1:00,vol1,2026년 11월 4일 수요일,김민준",     # 5: Korean Excel's long date
    "12시,9시 30분,vol3,2026-11-05 (목),박지호",                 # 6: hours typed in Korean, a weekday
    "12:00 ,10:00 ,vol3 ,2026-11-06 ,박지호 ",                   # 7: trailing spaces
    "24:00,22:00,vol1,2026-11-07,김민준",                         # 8: a night to midnight
    ",,,,", "",
])


@pytest.fixture
def activity_id(app, demo):
    with app.app_context(), db.connection_context():
        return Activity.get(Activity.title == MENTORING).id


def _line(text, number):
    return text.split(f'id="line-{number}"')[1].split("</tr>")[0]


def test_a_messy_office_file_is_read_line_by_line(app, client, auth, activity_id):
    auth.login("site1")
    url = f"/site/activities/{activity_id}/import"
    preview = client.post(url, data={"file": (io.BytesIO(MESSY.encode("cp949")), "11월 일지.csv")},
                          content_type="multipart/form-data")
    text = preview.text
    assert preview.status_code == 422 and "전체 <strong>6</strong>줄 · 정상 <strong>5</strong>줄" in text
    assert "연도가 없는 날짜입니다. 연도까지 적어 주세요." in _line(text, 3)
    # What was read is shown, with the file's own writing beside it when that differs.
    assert "09:00 <small>(파일: 0.375)</small>" in _line(text, 2)
    assert "2026-11-03 <small>(파일: 2026.11.3)</small>" in _line(text, 2)
    assert "2026-11-04 <small>(파일: 2026년 11월 4일 수요일)</small>" in _line(text, 5)
    assert "09:30 <small>(파일: 9시 30분)</small>" in _line(text, 6)
    assert "24:00" in _line(text, 8) and "(파일:" not in _line(text, 7)
    token = text.split('name="upload" value="')[1].split('"')[0]
    done = client.post(url + "/confirm", data={"upload": token, "lines": "2,5,6,7,8"})
    assert done.status_code == 303
    with app.app_context(), db.connection_context():
        saved = sorted((p.volunteer.username, log.date, f"{log.start:%H:%M}", f"{log.end:%H:%M}", log.minutes)
                       for p in Participation.select().where(Participation.activity == activity_id)
                       for log in p.daily_logs if log.date >= date(2026, 11, 1))
    assert saved == [("vol1", date(2026, 11, 3), "09:00", "12:00", 180),
                     ("vol1", date(2026, 11, 4), "13:00", "15:00", 120),
                     ("vol1", date(2026, 11, 7), "22:00", "00:00", 120),
                     ("vol3", date(2026, 11, 5), "09:30", "12:00", 150),
                     ("vol3", date(2026, 11, 6), "10:00", "12:00", 120)]
