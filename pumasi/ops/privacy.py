"""The 개인정보 처리방침 (privacy notice, 개인정보 보호법 제30조), built from the settings: what the
/privacy page shows, section by section, and its version.

The version is derived from the text itself (a hash of every section as shown), so any change of the
wording or of a setting it uses (organisation, 보호책임자, 위탁, 시행일, retention) gives a new version; a
volunteer's consent (본인인증) records the version they were shown, and the text of that version is kept
(PrivacyNotice) so that it can be shown again (/privacy?version=…) after the notice has changed."""
import hashlib
import json
from dataclasses import dataclass

from ..models import Consent, PrivacyNotice

RECIPIENTS = "보건복지부, 교육부, 여성가족부"
LEGAL_BASIS = "자원봉사활동 기본법 시행령 제16조 제1항"


@dataclass(frozen=True)
class Section:
    """One numbered part of the notice: a heading, an opening sentence and its items."""

    heading: str
    lead: str
    items: tuple = ()


def _sections(org, officer, contact, processors, record_years, check_days):
    return (
        Section("처리하는 개인정보 항목", f"{org}은(는) 다음 개인정보를 처리합니다.", (
            "회원 정보: 아이디, 이름, 비밀번호(복원할 수 없는 형태로 저장), 휴대전화번호, 이메일 주소",
            "주민등록번호: 본인인증(처음 연계신청) 때 입력한 번호. 암호화하여 보관하며 화면에는 앞 7자리만 표시합니다.",
            "활동 기록: 참여한 활동, 활동처가 입력한 활동일·시간, 1365 연계 결과와 결과코드",
            "서비스 이용 기록: 접속 일시, 접속 IP 주소, 처리 내역",
        )),
        Section("처리 목적", "개인정보는 다음 목적으로만 처리합니다.", (
            "자원봉사 활동 기록 관리와 1365 자원봉사포털 봉사실적 연계",
            "봉사실적 연계를 위한 자원봉사자 식별(주민등록번호)",
            "연계 결과 안내와 문의 응대",
        )),
        Section("처리 근거", "주민등록번호는 법령이 허용한 경우에만 처리합니다.", (
            f"주민등록번호: {LEGAL_BASIS}, 개인정보 보호법 제24조의2 제1항 제1호",
            "그 밖의 개인정보: 개인정보 보호법 제15조 제1항(정보주체의 동의, 계약의 이행)",
        )),
        Section("제3자 제공", "봉사실적 연계를 위하여 다음과 같이 제공합니다.", (
            "제공받는 자: 1365 자원봉사포털, 그리고 1365를 통하여 " + RECIPIENTS,
            "제공 항목: 이름, 주민등록번호, 활동일·시간 등 봉사실적",
            "제공 목적: 자원봉사 실적 연계를 위한 자원봉사자 식별",
            "보유 기간: 제공받는 자의 보유 기간에 따름",
        )),
        Section("보유 기간과 파기", "개인정보는 목적이 끝나면 지체 없이 파기합니다.", (
            "주민등록번호: 본인인증 초기화 또는 회원 탈퇴 시 즉시 삭제(데이터베이스 파일에서도 지움; 이미 만든 백업에는 그 보관 기간 동안 남음)",
            "회원 정보: 회원 탈퇴 시까지. 탈퇴하면 이름·연락처·아이디를 지우고 활동 기록은 '탈퇴회원'으로만 남깁니다.",
            f"접속기록: 개인정보의 안전성 확보조치 기준 제8조에 따라 {record_years}년 보관 후 파기",
            f"확인서 진위확인 기록(확인 일시, 확인한 사람의 IP 주소): {check_days}일 보관 후 파기",
            "파기 방법: 전자 파일은 복원할 수 없게 지우고, 출력물은 분쇄하거나 소각합니다.",
        )),
        Section("처리 위탁", "개인정보 처리 업무를 다음과 같이 위탁합니다." if processors else
                "개인정보 처리 업무를 다른 곳에 위탁하지 않습니다.", tuple(processors)),
        Section("정보주체의 권리와 행사 방법", "개인정보의 열람, 정정, 삭제, 처리정지를 요구할 수 있습니다.", (
            "마이페이지 > 내 정보에서 보관 중인 정보를 보고 내려받고, 연락처를 고치고, 회원 탈퇴할 수 있습니다.",
            "마이페이지 > 본인인증 초기화로 주민등록번호를 바로 삭제할 수 있습니다.",
            "그 밖의 요구는 아래 개인정보 보호책임자에게 연락해 주시면 지체 없이 처리합니다.",
            "동의를 거부할 수 있으나, 거부하면 1365로 봉사실적을 연계할 수 없습니다(개인정보 보호법 제17조).",
        )),
        Section("안전성 확보조치", "개인정보를 안전하게 지키기 위하여 다음 조치를 합니다.", (
            "주민등록번호 암호화 보관, 전송 구간 암호화, 암호화 키의 분리 보관",
            "직원의 접근 권한 최소화, 접속기록의 보관과 위·변조 방지, 월 1회 이상 점검",
        )),
        Section("개인정보 보호책임자", "개인정보 관련 문의, 불만, 피해구제는 아래로 연락해 주세요.", (
            f"개인정보 보호책임자: {officer}",
            f"연락처: {contact}",
        )),
        Section("권익침해 구제", "개인정보 침해에 대한 상담이나 신고는 아래 기관에 할 수 있습니다.", (
            "개인정보침해신고센터: (국번없이) 118, privacy.kisa.or.kr",
            "개인정보분쟁조정위원회: 1833-6972, www.kopico.go.kr",
        )),
    )


@dataclass(frozen=True)
class Notice:
    """The notice as shown: who it is from, its sections, its 시행일 and version."""

    org: str
    effective: str
    sections: tuple
    version: str


def notice(config):
    """The 처리방침 from the settings (the console's values on top of the environment's)."""
    org = config["ORG_NAME"]
    processors = [part.strip() for part in (config.get("PRIVACY_PROCESSORS") or "").split(";") if part.strip()]
    sections = _sections(org, config["PRIVACY_OFFICER"], config["PRIVACY_CONTACT"], processors,
                         config["ACCESS_RECORD_YEARS"], config["CERTIFICATE_CHECK_DAYS"])
    return _versioned(org, config["PRIVACY_EFFECTIVE"], sections)


def _text(org, effective, sections):
    return json.dumps([org, effective, [[s.heading, s.lead, list(s.items)] for s in sections]], ensure_ascii=False)


def _versioned(org, effective, sections):
    digest = hashlib.sha256(_text(org, effective, sections).encode()).hexdigest()[:8]
    return Notice(org, effective, sections, f"{effective}-{digest}")


def text(notice):
    """The notice as kept when someone agrees to it (JSON), from which `archived` shows it again."""
    return _text(notice.org, notice.effective, notice.sections)


def record_consent(member, notice_version, notice_text="", given_at=None):
    """The member agreed to this version of the notice (at 본인인증, or at 회원가입): the consent, and
    the version's text (notice_text) kept unless it already is. In the caller's transaction."""
    fields = {} if given_at is None else {"given_at": given_at}
    Consent.create(member=member, notice_version=notice_version, **fields)
    if notice_text:
        PrivacyNotice.insert(version=notice_version, content=notice_text).on_conflict_ignore().execute()


def archived(version):
    """An earlier notice someone agreed to, as it was shown, or None: unknown, or a kept text that no
    longer gives its version (changed in the database)."""
    row = PrivacyNotice.get_or_none(PrivacyNotice.version == version)
    if row is None:
        return None
    org, effective, parts = json.loads(row.content)
    kept = _versioned(org, effective, tuple(Section(heading, lead, tuple(items)) for heading, lead, items in parts))
    return kept if kept.version == row.version else None


def version(config):
    """The version of the notice the settings give today."""
    return notice(config).version
