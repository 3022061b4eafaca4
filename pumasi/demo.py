"""The demo world: an operator, two sites with managers, three volunteers, activities 2021–2026.

The demo RRNs fail the pre-2020 check digit, so none can be a real person's number.
"""
from datetime import date, time

from sim1365 import accounts as simulator

from .db import db
from .models import Activity, DailyLog, Member, Participation, Site
from .records.hours import DAILY_CAP_MINUTES

PASSWORD = "pumasi-demo"

# (username, name, 1365 ID, RRN, 1365 account: consenting / not consenting / none)
VOLUNTEERS = [
    ("vol1", "김민준", "minjun1365", "900101-1234567", True),
    ("vol2", "이서연", "seoyeon1365", "880515-2345678", False),
    ("vol3", "박지호", None, "020304-4567890", None),
]

SITES = [("CSV 총괄운영본부", "02-720-1365", "site1", "정다은"),
         ("종로 문화나눔센터", "02-733-2020", "site2", "최현우")]

# (site index, 구분, 봉사제목, location, start, end, {volunteer: [(date, start hour, end hour)] or None})
ACTIVITIES = [
    (0, "문화", "1365 중간연계 테스트 입니다. 신청하지 마세요", "서울특별시 종로구", date(2021, 8, 9), date(2021, 8, 9),
     {"vol1": [(date(2021, 8, 9), 10, 16)]}),
    (0, "문화", "1365 중간 연계 테스트 입니다. 신청하지 마세요", "서울특별시 종로구", date(2021, 6, 29), date(2021, 12, 31),
     {"vol1": "legacy"}),
    (0, "문화", "중간활동 제거 테스트", "서울특별시 종로구", date(2021, 8, 4), date(2021, 9, 30),
     {"vol1": [(date(2021, 8, 4), 10, 16), (date(2021, 9, 1), 10, 16)]}),
    (1, "문화", "어린이 그림책 읽어주기", "서울특별시 종로구", date(2022, 3, 2), date(2022, 6, 30),
     {"vol1": [(date(2022, 3, 5), 10, 12), (date(2022, 3, 12), 10, 12), (date(2022, 3, 19), 10, 13)],
      "vol2": [(date(2022, 3, 5), 10, 12), (date(2022, 3, 12), 10, 12)]}),
    (1, "교육", "어르신 스마트폰 교실 보조", "서울특별시 종로구", date(2023, 4, 1), date(2023, 5, 31),
     {"vol1": [(date(2023, 4, 8), 14, 17)], "vol3": [(date(2023, 4, 8), 14, 17)]}),
    (0, "문화", "마을 축제 안내 부스 운영", "서울특별시 중구", date(2024, 5, 4), date(2024, 5, 5),
     {"vol1": [(date(2024, 5, 4), 9, 18), (date(2024, 5, 5), 9, 13)], "vol2": [(date(2024, 5, 4), 9, 13)]}),
    (1, "환경", "청계천 환경 정화 활동", "서울특별시 중구", date(2025, 4, 19), date(2025, 4, 19),
     {"vol1": [(date(2025, 4, 19), 9, 12)], "vol3": [(date(2025, 4, 19), 9, 12)]}),
    (0, "문화", "작은 음악회 무대 설치 지원", "서울특별시 종로구", date(2025, 9, 1), date(2025, 12, 31),
     {"vol1": [(date(2025, 9, 6), 13, 18), (date(2025, 10, 11), 13, 17)], "vol2": [(date(2025, 9, 6), 13, 18)]}),
    (1, "문화", "박물관 전시 해설 도우미", "서울특별시 종로구", date(2026, 3, 1), date(2026, 12, 31),
     {"vol1": None, "vol2": None, "vol3": None}),
    (0, "교육", "청소년 문화예술 멘토링", "서울특별시 종로구", date(2026, 6, 1), date(2026, 11, 30),
     {"vol1": [(date(2026, 6, 13), 10, 12), (date(2026, 7, 11), 10, 12)], "vol3": [(date(2026, 6, 13), 10, 12)]}),
]


def _member(username, name, role, site=None):
    member = Member.get_or_none(Member.named(username))
    if member is None:
        member = Member(username=username, name=name, role=role, site=site)
        member.set_password(PASSWORD)
        member.save()
    return member


def seed(sim_db=None):
    """Create the demo world (idempotent); with sim_db, also the 1365 simulator's accounts."""
    with db.atomic():
        _member("admin", "운영자", "operator")
        sites = []
        for name, phone, manager, manager_name in SITES:
            site, _ = Site.get_or_create(name=name, defaults={"phone": phone})
            _member(manager, manager_name, "site", site)
            sites.append(site)
        volunteers = {username: _member(username, name, "volunteer")
                      for username, name, _, _, _ in VOLUNTEERS}
        for site_index, category, title, location, start, end, people in ACTIVITIES:
            activity, _ = Activity.get_or_create(
                site=sites[site_index], title=title,
                defaults={"category": category, "location": location, "start_date": start, "end_date": end})
            for username, days in people.items():
                participation, created = Participation.get_or_create(
                    activity=activity, volunteer=volunteers[username],
                    defaults={"legacy_linked": days == "legacy"})
                if not created:
                    continue
                if days == "legacy":
                    days = [(activity.start_date, 10, 16)]
                for day, begin, finish in days or []:
                    # A long day (9–18) is recognised as at most 8 hours, as a site enters it
                    # (records.hours): the demo holds nothing the rules refuse (an export of it imports).
                    DailyLog.create(participation=participation, date=day, start=time(begin), end=time(finish),
                                    minutes=min((finish - begin) * 60, DAILY_CAP_MINUTES))
    if sim_db:
        seed_simulator(sim_db)


def seed_simulator(sim_db, missing_only=False):
    """The demo volunteers' 1365 accounts in the simulator; missing_only: only those it lacks or
    whose RRN hash it erased (a store from before keyed hashes), leaving the others as they are."""
    accounts = [(name, user_id, rrn, consent) for _, name, user_id, rrn, consent in VOLUNTEERS
                if consent is not None]
    wanted = simulator.without_rrn(sim_db, [user_id for _, user_id, _, _ in accounts]) if missing_only else None
    for name, user_id, rrn, consent in accounts:
        if wanted is None or user_id in wanted:
            simulator.add_account(sim_db, name, user_id, rrn, consent)
