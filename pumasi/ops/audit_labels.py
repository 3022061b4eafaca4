"""What each audit action is called on the operator's screens (Korean; the code stays as a detail)."""
from ..linkage.state import REQUEST_LABELS

ACTION_LABELS = {
    "activity.import": "활동처·활동 가져오기",
    "participation.import": "참여·활동일 가져오기",
    "access.review": "접속기록 점검 완료",
    "activity.create": "활동 등록",
    "activity.update": "활동 수정",
    "certificate.issue": "확인서 발급",
    "certificate.revoke": "확인서 취소",
    "daily_log.correct": "상세봉사내역 정정(운영자)",
    "dailylog.delete": "상세봉사내역 삭제",
    "dailylog.save": "상세봉사내역 저장",
    "identity.reset": "본인인증 초기화",
    "identity.verify": "본인인증",
    "entry.request": "상세봉사내역 입력 요청",
    "member.activate": "회원 사용 재개",
    "member.create": "회원 등록",
    "member.deactivate": "회원 사용 중지",
    "member.import": "회원 가져오기",
    "member.remove": "회원 삭제(탈퇴)",
    "member.rename": "아이디 변경",
    "member.role": "회원 구분 변경",
    "member.update": "회원 정보 수정",
    "myinfo.contact": "내 정보 연락처 수정(본인)",
    "myinfo.download": "내 정보 내려받기(본인)",
    "participation.add": "참여자 추가",
    "participation.leave": "참여 취소(본인)",
    "participation.remove": "참여자 삭제",
    "password.change": "비밀번호 변경",
    "password.set": "비밀번호 설정",
    "password.reset-link": "비밀번호 재설정 링크 발급",
    "password.reset-temporary": "임시 비밀번호 발급",
    "password.reset-used": "비밀번호 재설정 링크 사용",
    "password.forgot-link": "비밀번호 찾기 링크 발송",
    "signup.create": "회원가입",
    "signup.approve": "가입 승인",
    "signup.refuse": "가입 거절(삭제)",
    "invitation.link": "초대 이메일 발송",
    "invitation.code": "초대 코드 발급(인쇄)",
    "invitation.used": "초대로 비밀번호 설정",
    "portal.endpoint": "1365 연계 주소 변경",
    "rrn.decrypt": "주민등록번호 복호화(전송)",
    "rrn.rotate": "주민등록번호 암호화 키 교체",
    "rrn.undecryptable": "주민등록번호 복호화 실패",
    "settings.change": "설정 변경",
    "site.create": "활동처 등록",
    "site.manager": "활동처 담당자 지정",
    "site.update": "활동처 수정",
    # A 연계 request by the name the pages give its kind (the operator's 재연계 from 연계실패 is not 99's retry).
    **{f"link.{kind}": label for kind, label in REQUEST_LABELS.items()},
}


def action_label(action):
    """The Korean name of an audit action; an action without one (added later) shows its code."""
    return ACTION_LABELS.get(action, action)


TARGET_LABELS = {
    "Member": "회원", "Site": "활동처", "Activity": "활동", "Participation": "참여", "DailyLog": "상세봉사내역",
    "Identity": "본인인증", "LinkRequest": "연계요청", "LinkAttempt": "연계전송", "ConfigValue": "설정",
    "Certificate": "확인서",
}


def target_label(target_type):
    """The Korean name of an audit entry's target kind (a model's name)."""
    return TARGET_LABELS.get(target_type, target_type)
