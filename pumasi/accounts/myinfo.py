"""내 정보: a volunteer's own rights over their data (개인정보 보호법 제35–36조): what is held about
them, their contact details corrected, all of it downloaded, and 회원탈퇴 by themselves."""
import json
from dataclasses import dataclass

from .. import inputs, phones
from ..clock import korean_time, utcnow
from ..db import db
from ..identity import store as identities
from ..linkage.state import date_label
from ..models import Activity, Certificate, DailyLog, Member, Notification, Participation, Site
from ..ops import audit, certificate
from ..records import hours
from . import members

WITHDRAW_PASSWORD_MESSAGE = "비밀번호가 올바르지 않습니다. 탈퇴하려면 현재 비밀번호를 입력해 주세요."


@dataclass(frozen=True)
class HeldActivity:
    """One participation as 내 정보 shows it: the activity, its site and period, its dates."""

    title: str
    site: str
    category: str
    period: str
    whole_period: bool
    dates: list


@dataclass(frozen=True)
class Held:
    """Everything pumasi holds about one volunteer (the RRN only masked)."""

    member: Member
    identity: object
    consents: list
    activities: list
    notifications: list
    certificates: list


def _when(moment, fmt="%Y-%m-%d %H:%M"):
    moment = korean_time(moment)
    return "" if moment is None else moment.strftime(fmt)


def _dates(logs, legacy):
    return [{"date": log.date.isoformat(), "start": log.start.strftime("%H:%M"), "end": hours.format_end(log.end),
             "minutes": log.minutes, "state": date_label(log.link_state, legacy), "code": log.result_code}
            for log in logs]


def held(member):
    """What is held about the member: their row, their 본인인증 (masked), consents, activities and
    every date with its 1365 state and result code, the notifications they were sent, the 확인서
    issued to them."""
    participations = list(Participation.select(Participation, Activity, Site).join(Activity).join(Site)
                          .where(Participation.volunteer == member.id)
                          .order_by(Activity.start_date.desc(), Participation.id))
    logs = {}
    for log in (DailyLog.select().where(DailyLog.participation.in_([p.id for p in participations]))
                .order_by(DailyLog.date, DailyLog.start)):
        logs.setdefault(log.participation_id, []).append(log)
    activities = [HeldActivity(p.activity.title, p.activity.site.name, p.activity.category,
                               f"{p.activity.start_date.isoformat()} ~ {p.activity.end_date.isoformat()}",
                               p.legacy_linked, _dates(logs.get(p.id, []), p.legacy_linked))
                  for p in participations]
    notifications = list(Notification.select().where(Notification.member == member.id)
                         .order_by(Notification.created_at.desc(), Notification.id.desc()))
    certificates = list(Certificate.select().where(Certificate.member == member.id)
                        .order_by(Certificate.issued_at.desc(), Certificate.id.desc()))
    return Held(Member.get_by_id(member.id), identities.of(member.id), identities.consents(member.id), activities,
                notifications, certificates)


def download(member):
    """All of it as JSON (UTF-8), for the member to keep; audited."""
    found = held(member)
    you, identity = found.member, found.identity
    data = {
        "내려받은 일시": _when(utcnow(), "%Y-%m-%d %H:%M:%S"),
        "회원 정보": {"아이디": you.username, "이름": you.name, "휴대전화": you.phone, "이메일": you.email,
                  "가입일시": _when(you.created_at)},
        "본인인증": ({"주민등록번호": identity.rrn_masked, "인증일시": _when(identity.verified_at)}
                 if identity else None),
        "개인정보 처리방침 동의": [{"버전": c.notice_version, "동의일시": _when(c.given_at)} for c in found.consents],
        "활동": [{"봉사제목": a.title, "활동처": a.site, "구분": a.category, "활동기간": a.period,
                "기간 전체 연계": a.whole_period,
                "상세봉사내역": [{"날짜": d["date"], "시작": d["start"], "종료": d["end"], "인정시간(분)": d["minutes"],
                             "1365연계": d["state"], "결과코드": d["code"]} for d in a.dates]}
               for a in found.activities],
        "알림": [{"제목": n.title, "내용": n.body, "일시": _when(n.created_at)} for n in found.notifications],
        "확인서": [{"발급번호": c.number, "발급일": c.issued_on.isoformat(), "활동 수": c.activity_count,
                 "활동일 수": c.day_count, "인정시간(분)": c.total_minutes, "상태": certificate.STATE_WORDS[certificate.state(c)]}
                for c in found.certificates],
    }
    audit.record("myinfo.download", actor=member, target=member)
    return json.dumps(data, ensure_ascii=False, indent=2)


def check_contact(form):
    """The phone and e-mail a member typed: ({field: value}, {field: Korean error})."""
    values = {key: (form.get(key) or "").strip() for key in ("phone", "email")}
    errors = inputs.problems(values)
    if errors:  # said alone, and the refused value is not shown again
        return {key: "" if key in errors else value for key, value in values.items()}, errors
    phone = phones.normal(values["phone"])
    if phone is None:
        errors["phone"] = phones.MESSAGE
    else:
        values["phone"] = phone
    if values["email"] and (len(values["email"]) > 120 or not members.EMAIL.fullmatch(values["email"])):
        errors["email"] = "이메일 주소 형식이 올바르지 않습니다. (예: name@example.com)"
    return values, errors


def update_contact(member, values):
    """The member corrects their own phone and e-mail (정정); audited."""
    with db.atomic():
        Member.update(phone=values["phone"], email=values["email"]).where(Member.id == member.id).execute()
        audit.record("myinfo.contact", actor=member, target=member)


def certificates_kept(member):
    """How many 확인서 were issued to the member: they stay as issued (their name included) after 탈퇴,
    so that whoever was given one can still verify it."""
    return Certificate.select().where(Certificate.member == member.id).count()


def withdraw(member, password):
    """회원탈퇴 by the member, after their password: the RRN deleted at once, the records kept under
    탈퇴회원 (members.remove_member). Returns a Korean message, and does nothing, when the password
    is wrong."""
    if not member.check_password(password or ""):
        return WITHDRAW_PASSWORD_MESSAGE
    members.remove_member(member, member)
    return None
