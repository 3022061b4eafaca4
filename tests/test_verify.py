"""확인서 출력 as a form POST answered by the PDF; the volunteer's list; the public verification page:
valid, one 404 for a wrong number or code, wrong look-ups limited per address, each look-up recorded."""
import io
import re

import pytest
import zxingcpp
from pypdf import PdfReader

from pumasi.models import Certificate, CertificateCheck, CertificateDate
from pumasi.web.ratelimit import limiter

from helpers import ctx, participation

PICTURE_BOOKS = "어린이 그림책 읽어주기"  # vol1: 3 dates
CLEANUP = "청계천 환경 정화 활동"  # vol1: 2025-04-19 9–12
NOT_FOUND = "확인할 수 없습니다"


def issue_as_vol1(app, client, auth):
    """vol1 presses 확인서 출력 with two rows checked: the PDF, and its QR code's address."""
    with ctx(app):
        ids = [participation("vol1", title).id for title in (PICTURE_BOOKS, CLEANUP)]
    auth.login("vol1")
    response = client.post("/mypage/certificate", data={"participation_ids": [str(i) for i in ids]})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.data))
    urls = [r.text for page in reader.pages for image in page.images for r in zxingcpp.read_barcodes(image.image)]
    assert len(urls) == 1
    auth.logout()
    return reader, urls[0]


def test_issue_download_and_verify_without_log_in(app, client, auth, demo):
    reader, url = issue_as_vol1(app, client, auth)
    with ctx(app):
        cert = Certificate.get()
        assert CertificateDate.select().where(CertificateDate.certificate == cert).count() == 4
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    assert cert.number in text and "김민준" in text and PICTURE_BOOKS.replace(" ", "") in text
    assert url == f"http://localhost/verify/{cert.code}"

    page = client.get(url.replace("http://localhost", ""))
    assert page.status_code == 200
    assert "유효" in page.text and cert.number in page.text and "김*준" in page.text
    assert "김민준" not in page.text and PICTURE_BOOKS in page.text and "2025-04-19" in page.text
    typed = client.get("/verify/", query_string={"number": cert.number, "code": "-".join(
        cert.code[i:i + 4] for i in range(0, 16, 4)).lower()})
    assert typed.status_code == 200 and "김*준" in typed.text
    with ctx(app):
        assert [c.via for c in CertificateCheck.select().order_by(CertificateCheck.id)] == ["link", "form"]


def test_volunteer_lists_and_downloads_their_certificates(app, client, auth, demo):
    issue_as_vol1(app, client, auth)
    auth.login("vol1")
    listed = client.get("/mypage/certificates")
    with ctx(app):
        cert = Certificate.get()
    assert cert.number in listed.text and "유효" in listed.text
    again = client.get(f"/mypage/certificates/{cert.id}/pdf")
    assert again.mimetype == "application/pdf" and cert.number in "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(again.data)).pages)
    assert client.get(f"/mypage/certificates/{cert.id + 1}/pdf").status_code == 404


def test_nothing_checked_is_told(app, client, auth, demo):
    auth.login("vol1")
    response = client.post("/mypage/certificate", data={})
    assert response.status_code == 422 and "확인서를 출력할 활동을 선택해 주세요" in response.text


def test_wrong_number_or_code_get_the_same_404(app, client, auth, demo):
    issue_as_vol1(app, client, auth)
    with ctx(app):
        cert = Certificate.get()
    wrong_code = "Z" * 16 if cert.code != "Z" * 16 else "Y" * 16
    answers = [client.get("/verify/", query_string={"number": cert.number, "code": wrong_code}),
               client.get("/verify/", query_string={"number": "2026-999999", "code": cert.code}),
               client.get(f"/verify/{wrong_code}"), client.get("/verify/not-a-code")]
    for answer in answers:
        assert answer.status_code == 404 and NOT_FOUND in answer.text
        assert cert.number not in answer.text.replace(f'value="{cert.number}"', "")
    # The two typed ones differ only by what was typed back into the form (and the CSRF token).
    bodies = [re.sub(r'value="[^"]*"|hx-headers=\'[^\']*\'', "", answer.text) for answer in answers[:2]]
    assert bodies[0] == bodies[1]


def test_wrong_look_ups_from_one_address_are_limited(app, demo):
    with app.app_context():
        limiter.reset()
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    codes = [client.get(f"/verify/{'A' * 15}{letter}").status_code for letter in "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"]
    assert codes == [404] * 30 + [429] * 2
    assert client.get("/verify/", query_string={"number": "2026-000001", "code": "B" * 16}).status_code == 429
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.10"
    assert other.get(f"/verify/{'C' * 16}").status_code == 404  # per address
    with ctx(app):
        assert CertificateCheck.select().where(CertificateCheck.found == False).count() == 31  # noqa: E712


@pytest.mark.parametrize("query", [{}, {"number": "", "code": ""}])
def test_the_empty_form(client, query):
    page = client.get("/verify/", query_string=query)
    assert page.status_code == 200 and "발급번호" in page.text and NOT_FOUND not in page.text


@pytest.mark.parametrize("days", [365, 30])
def test_the_sweep_deletes_look_ups_past_their_retention(app, days):
    """Each look-up holds the checker's address: kept PUMASI_CERTIFICATE_CHECK_DAYS, then the workers'
    sweep deletes it (found or not)."""
    from datetime import timedelta

    from pumasi.clock import utcnow
    from pumasi.jobs import sweeper
    if days != 365:
        app.config["CERTIFICATE_CHECK_DAYS"] = days
    now = utcnow()
    with ctx(app):
        for age, found in ((days + 1, False), (days + 1, True), (days - 1, False), (0, True)):
            CertificateCheck.create(at=now - timedelta(days=age), found=found, via="form", ip=f"10.0.{age}.1")
    sweeper.sweep(app)
    with ctx(app):
        assert sorted(c.ip for c in CertificateCheck.select()) == sorted([f"10.0.{days - 1}.1", "10.0.0.1"])
