"""확인서 for operators: list and search, a PDF again after its 다운로드 사유 (an access record), 취소
with a reason (the verification page says 취소됨), and issuing one for any volunteer."""
import io

from pypdf import PdfReader

from pumasi.models import AccessRecord, AuditLog, Certificate, Member

from helpers import ctx, participation

PICTURE_BOOKS = "어린이 그림책 읽어주기"
CLEANUP = "청계천 환경 정화 활동"


def _issue_for_vol1(app, client, auth):
    auth.login("admin")
    with ctx(app):
        vol1 = Member.get(Member.username == "vol1")
        ids = [str(participation("vol1", title).id) for title in (PICTURE_BOOKS, CLEANUP)]
    page = client.get(f"/admin/members/{vol1.id}/certificate")
    assert page.status_code == 200 and PICTURE_BOOKS in page.text and "다운로드 사유" in page.text
    response = client.post(f"/admin/members/{vol1.id}/certificate",
                           data={"participation_ids": ids, "reason": "학교 제출용 재발급 요청(전화)"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return vol1, response


def test_operator_issues_for_a_volunteer_with_a_reason(app, client, auth, demo):
    vol1, response = _issue_for_vol1(app, client, auth)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    with ctx(app):
        cert = Certificate.get()
        admin = Member.get(Member.username == "admin")
        assert cert.member_id == vol1.id and cert.issued_by_id == admin.id and cert.activity_count == 2
        record = AccessRecord.select().where(AccessRecord.action == "다운로드").get()
        assert record.actor_id == admin.id and record.subjects == str(vol1.id)
        assert record.reason == "학교 제출용 재발급 요청(전화)" and cert.number in record.what
    assert cert.number in text.replace(" ", "")


def test_issue_needs_activities_and_a_reason(app, client, auth, demo):
    auth.login("admin")
    with ctx(app):
        vol1 = Member.get(Member.username == "vol1")
        mine = str(participation("vol1", CLEANUP).id)
        others = str(participation("vol2", PICTURE_BOOKS).id)
    none = client.post(f"/admin/members/{vol1.id}/certificate", data={"reason": "사유 있음"})
    assert none.status_code == 422 and "확인서에 넣을 활동을 선택해 주세요" in none.text
    not_theirs = client.post(f"/admin/members/{vol1.id}/certificate",
                             data={"participation_ids": [others], "reason": "사유 있음"})
    assert not_theirs.status_code == 422
    no_reason = client.post(f"/admin/members/{vol1.id}/certificate", data={"participation_ids": [mine]})
    assert no_reason.status_code == 422 and "다운로드 사유를 입력해 주세요" in no_reason.text
    with ctx(app):
        assert Certificate.select().count() == 0
        assert AccessRecord.select().where(AccessRecord.action == "다운로드").count() == 0


def test_list_search_download_again_and_revoke(app, client, auth, demo):
    _issue_for_vol1(app, client, auth)
    with ctx(app):
        cert = Certificate.get()
    for query in ({}, {"q": cert.number}, {"q": "김민"}, {"q": "vol1"}):
        listed = client.get("/admin/certificates", query_string=query)
        assert listed.status_code == 200 and cert.number in listed.text and "유효" in listed.text, query
    assert cert.number not in client.get("/admin/certificates", query_string={"q": "이서연"}).text

    form = client.get(f"/admin/certificates/{cert.id}/pdf")
    assert form.status_code == 200 and "다운로드 사유" in form.text
    assert client.post(f"/admin/certificates/{cert.id}/pdf", data={"reason": ""}).status_code == 422
    again = client.post(f"/admin/certificates/{cert.id}/pdf", data={"reason": "기관 보관용"})
    assert again.mimetype == "application/pdf"

    refused = client.post(f"/admin/certificates/{cert.id}/revoke", data={"reason": " "})
    assert refused.status_code == 422 and "취소 사유를" in refused.text
    done = client.post(f"/admin/certificates/{cert.id}/revoke", data={"reason": "잘못 발급됨"})
    assert done.status_code == 303
    assert "취소됨" in client.get("/admin/certificates").text
    auth.logout()
    public = client.get(f"/verify/{cert.code}")
    assert public.status_code == 200 and "취소됨" in public.text
    with ctx(app):
        assert Certificate.get_by_id(cert.id).revoked_reason == "잘못 발급됨"
        assert AuditLog.select().where(AuditLog.action == "certificate.revoke").count() == 1
        reasons = [r.reason for r in AccessRecord.select().where(AccessRecord.action == "다운로드")
                   .order_by(AccessRecord.id)]
        assert reasons == ["학교 제출용 재발급 요청(전화)", "기관 보관용"]
