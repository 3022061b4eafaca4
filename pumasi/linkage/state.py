"""Where a date and a participation stand with 1365, 1365's result codes, and the words people read.

A date (DailyLog.link_state) is unsent, pending, succeeded or failed; each try of it (LinkAttempt) is
queued, submitted, answered or cancelled. A participation's state on 활동내역 is derived from its
dates' (DESIGN.md): any date in flight → 연계중; else any date failed → 연계실패; else any date never
sent → 연계신청; else 연계완료 (also for one linked the old whole-period way).
"""
from dataclasses import dataclass


class DateState:
    """DailyLog.link_state: where one date stands with 1365."""

    UNSENT, PENDING, SUCCEEDED, FAILED = "unsent", "pending", "succeeded", "failed"
    EDITABLE = (UNSENT, FAILED)  # what 1365 neither holds nor is being sent: a site may change it


class AttemptState:
    """LinkAttempt.state: one try of one date under its ref."""

    QUEUED, SUBMITTED, ANSWERED, CANCELLED = "queued", "submitted", "answered", "cancelled"
    OPEN = (QUEUED, SUBMITTED)  # not answered yet


class ParticipationState:
    """A participation's state on 활동내역, derived from its dates' (see derive_state)."""

    REQUEST, LINKING, DONE, FAILED = "request", "linking", "done", "failed"


class RequestKind:
    """LinkRequest.kind: who asked, and how."""

    REQUEST, RELINK, RETRY, SUPPORT = "request", "relink", "retry", "support"


# The words of every screen (site, operator and volunteer pages, the certificate, the CSV export).
# A date's 연계결과 as the guide's per-date table says it; a participation's as its row's button.
DATE_LABELS = {DateState.UNSENT: "미연계", DateState.PENDING: "연계중", DateState.SUCCEEDED: "연계성공",
               DateState.FAILED: "연계실패"}
LEGACY_DATE_LABEL = "기간 전체 연계"  # an unsent date of a participation linked the old whole-period way
PARTICIPATION_LABELS = {ParticipationState.REQUEST: "연계신청", ParticipationState.LINKING: "연계중",
                        ParticipationState.DONE: "연계완료", ParticipationState.FAILED: "연계실패"}
REQUEST_LABELS = {RequestKind.REQUEST: "연계신청", RequestKind.RELINK: "재연계", RequestKind.RETRY: "운영자 재연계",
                  RequestKind.SUPPORT: "날짜 별 연계(기술지원)"}


def date_label(state, legacy=False):
    """The word for a date's state (연계결과); an unsent date of a whole-period linkage says so."""
    if legacy and state == DateState.UNSENT:
        return LEGACY_DATE_LABEL
    return DATE_LABELS[state]


SUCCESS_CODES = (300, 400)
RETRY_CODE = 99  # 1365 recorded nothing: the system tries again under a new ref
FAILURE_CODES = (99, 100, 200)
MAX_BATCH = 500  # records per submission (docs/1365_CONTRACT.md)
MESSAGES = {
    99: "시스템 오류 입니다. {phone} 로 문의 주시기 바랍니다.",
    100: "1365 에 아이디가 존재하지 않습니다. 1365 계정 확인 후 재연계 해주시기 바랍니다.",
    200: "1365 연계동의를 되어있지 않거나, {org} 연계 본인인증 주민등록번호와 1365 주민등록번호가 일치 하지 "
         "않습니다. 1365 연계동의 확인 후 본인인증 초기화하고 연계신청 해주시기 바랍니다.",
    300: "연계 성공",
    400: "연계 성공(중복)",
}


def message_for(code, config):
    """The Korean message the volunteer reads for a result code (the guide's wording)."""
    return MESSAGES.get(code, "").format(phone=config["SUPPORT_PHONE"], org=config["ORG_NAME"])


def code_guide(config):
    """The 1365 결과 코드 안내: [(code, message)] for every code, in order."""
    return [(code, message_for(code, config)) for code in sorted(MESSAGES)]


def derive_state(total, pending, failed, unsent, legacy=False):
    """The participation's state from its dates' counts (DESIGN.md)."""
    if pending:
        return ParticipationState.LINKING
    if failed:
        return ParticipationState.FAILED
    if (unsent and not legacy) or (total == 0 and not legacy):
        return ParticipationState.REQUEST
    return ParticipationState.DONE


@dataclass
class Summary:
    """What the 활동내역 row shows of a participation: hours and link state."""

    minutes: int = 0
    total: int = 0
    pending: int = 0
    failed: int = 0
    unsent: int = 0
    legacy: bool = False

    @property
    def state(self):
        return derive_state(self.total, self.pending, self.failed, self.unsent, self.legacy)
