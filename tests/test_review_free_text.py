"""A careless operator's free text (a certificate's 취소 사유, a month's 점검 의견) that holds a
volunteer's RRN keeps only its masked form, as the access records' reasons and the audit log do."""
from datetime import date

from helpers import ctx
from pumasi.models import AccessReview, Certificate, Member, Participation
from pumasi.ops import access_review, certificate

RRN = "900101-1234568"


def test_a_revocation_reason_keeps_no_rrn(app, demo):
    with ctx(app):
        admin, vol1 = Member.get(Member.username == "admin"), Member.get(Member.username == "vol1")
        participation = Participation.select().where(Participation.volunteer == vol1).first()
        issued = certificate.issue(vol1, [participation], admin, date(2026, 11, 26), "문화품앗이")
        assert certificate.revoke(issued, admin, f"주민번호 {RRN} 오기재")
        kept = Certificate.get_by_id(issued.id).revoked_reason
        assert "1234568" not in kept and kept == "주민번호 900101-******* 오기재"


def test_a_review_note_keeps_no_rrn(app, demo):
    with ctx(app):
        admin = Member.get(Member.username == "admin")
        access_review.sign_off(access_review.Month(2026, 10), f"{RRN.replace('-', '')} 조회 확인함",
                               admin, date(2026, 11, 26))
        assert AccessReview.get().note == "900101-******* 조회 확인함"
