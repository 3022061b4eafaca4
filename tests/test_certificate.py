"""확인서 made on the server: the PDF read back (text, embedded font, QR code), numbers and codes,
the look-up of the public verification page."""
import io
import threading
from datetime import date, time, timedelta

import pytest
import zxingcpp
from pypdf import PdfReader

from pumasi.db import db
from pumasi.identity import store as identities
from pumasi.linkage.state import DateState
from pumasi.models import Activity, Certificate, CertificateCheck, CertificateDate, DailyLog, Member, Participation, Site
from pumasi.ops import certificate, certpdf

from helpers import ctx

ISSUED = date(2026, 12, 7)
URL = "https://pumasi.example.org/verify/"


def make_world(app, long_dates=60, name="김민준"):
    """A volunteer (본인인증 900101-1…) in two activities: one of two dates (one linked, code 300),
    one of long_dates dates (enough to run over a page)."""
    site = Site.create(name="시립도서관")
    volunteer = Member.create(username="certvol", password_hash="x", name=name, role="volunteer")
    identities.verify(volunteer, "9001011234567", app.extensions["rrn_vault"], volunteer)
    short = Activity.create(site=site, category="문화", title="그림책 읽어주기", location="어린이실",
                            start_date=date(2026, 3, 1), end_date=date(2026, 3, 31))
    long = Activity.create(site=site, category="환경", title="하천 정화 활동", start_date=date(2026, 4, 1),
                           end_date=date(2026, 11, 30))
    first = Participation.create(activity=short, volunteer=volunteer)
    second = Participation.create(activity=long, volunteer=volunteer)
    DailyLog.create(participation=first, date=date(2026, 3, 3), start=time(10), end=time(13), minutes=180,
                    link_state=DateState.SUCCEEDED, result_code=300)
    DailyLog.create(participation=first, date=date(2026, 3, 10), start=time(14), end=time(18), minutes=240)
    for n in range(long_dates):
        DailyLog.create(participation=second, date=date(2026, 4, 1) + timedelta(days=n * 3), start=time(9),
                        end=time(11), minutes=120)
    return volunteer, [first, second]


def render(cert):
    return certpdf.render(certificate.content_of(cert), cert.number, certificate.shown_code(cert.code),
                          URL + cert.code)


def pdf_text(reader):
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_of_two_activities_reads_back(app):
    with ctx(app):
        volunteer, participations = make_world(app)
        cert = certificate.issue(volunteer, participations, volunteer, ISSUED, "문화품앗이")
        data = render(cert)
        logs = list(DailyLog.select().order_by(DailyLog.date))
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 2  # the long activity runs over a page
    text = pdf_text(reader)
    squeezed = text.replace(" ", "").replace("\n", "")
    for expected in ("자원봉사활동확인서", "김민준", "1990-01-01", "그림책읽어주기", "하천정화활동", "시립도서관", "문화품앗이",
                     cert.number, certificate.shown_code(cert.code), "연계성공(300)", "발급일2026년12월07일",
                     "총127시간", "활동2건", "62일"):
        assert expected in squeezed, expected
    for log in logs:
        assert log.date.isoformat() in text, log.date
    assert "900101" not in text  # the birth date, never the RRN's form
    assert f"1 / {len(reader.pages)}" in text and f"{len(reader.pages)} / {len(reader.pages)}" in text

    fonts = [font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()]
    assert fonts and all("NanumGothic" in str(font["/BaseFont"]) for font in fonts)
    descriptor = fonts[0]["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    embedded = descriptor["/FontFile2"].get_object().get_data()
    assert 1000 < len(embedded) < 400_000  # embedded, and only the letters used (the file is 4.7 MB)

    decoded = [result.text for page in reader.pages for image in page.images
               for result in zxingcpp.read_barcodes(image.image)]
    assert decoded == [URL + cert.code]


def test_numbers_are_sequential_per_year_and_codes_unguessable(app):
    with ctx(app):
        volunteer, participations = make_world(app, long_dates=1)
        made = [certificate.issue(volunteer, participations[:1], volunteer, day, "문화품앗이")
                for day in (date(2026, 1, 2), date(2026, 5, 1), date(2027, 1, 1), date(2026, 12, 31))]
        assert [c.number for c in made] == ["2026-000001", "2026-000002", "2027-000001", "2026-000003"]
        codes = {c.code for c in made}
        assert len(codes) == 4 and all(len(code) == 16 and certificate.clean_code(code) == code for code in codes)
        held = CertificateDate.select().where(CertificateDate.certificate == made[0]).count()
        assert held == 2
        first = made[0]
        assert certificate.content_hash(certificate.content_of(first)) == first.content_hash


def _at_once(app, *calls):
    """Run the calls in threads released together; their results (in no particular order)."""
    results, errors = [], []
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            with ctx(app):
                barrier.wait(10)
                results.append(call())
        except Exception as exc:  # noqa: BLE001 (shown by the assertion)
            errors.append(repr(exc))

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


def test_numbers_taken_at_once_are_all_different(app):
    """Four certificates of different content (issued on different days) at the same moment."""
    with ctx(app):
        volunteer, participations = make_world(app, long_dates=1)
    made = _at_once(app, *[lambda day=day: certificate.issue(volunteer, participations[:1], volunteer,
                                                             ISSUED - timedelta(days=day), "기관").number
                           for day in range(4)])
    assert sorted(made) == [f"2026-00000{n}" for n in range(1, 5)]


# --- one certificate per content: a double click or a reload gets the same one ---------------------------


def test_the_same_content_again_is_the_same_certificate(app):
    with ctx(app):
        volunteer, participations = make_world(app, long_dates=2)
        operator = Member.create(username="certadmin", password_hash="x", name="운영자", role="operator")
        first = certificate.issue(volunteer, participations, volunteer, ISSUED, "문화품앗이")
        # Pressed again, in another order, or by an operator for them: the same number and code.
        for again in (certificate.issue(volunteer, participations, volunteer, ISSUED, "문화품앗이"),
                      certificate.issue(volunteer, participations[::-1], volunteer, ISSUED, "문화품앗이"),
                      certificate.issue(volunteer, participations, operator, ISSUED, "문화품앗이")):
            assert (again.id, again.number, again.code) == (first.id, first.number, first.code)
        assert Certificate.select().count() == 1
        assert CertificateDate.select().count() == 4  # held once
        # Any other content is another certificate: fewer activities, another day, another name.
        other = [certificate.issue(volunteer, participations[:1], volunteer, ISSUED, "문화품앗이"),
                 certificate.issue(volunteer, participations, volunteer, ISSUED + timedelta(days=1), "문화품앗이"),
                 certificate.issue(volunteer, participations, volunteer, ISSUED, "다른 기관")]
        assert len({first.number, *(c.number for c in other)}) == 4


def test_a_date_changed_since_makes_a_new_one(app):
    with ctx(app):
        volunteer, participations = make_world(app, long_dates=2)
        first = certificate.issue(volunteer, participations, volunteer, ISSUED, "문화품앗이")
        DailyLog.update(link_state=DateState.SUCCEEDED, result_code=300).where(
            DailyLog.participation == participations[1]).execute()  # 1365 answered meanwhile
        second = certificate.issue(volunteer, participations, volunteer, ISSUED, "문화품앗이")
        assert second.number != first.number


@pytest.mark.parametrize("withdrawn", ["superseded_at", "revoked_at"])
def test_a_superseded_or_revoked_one_is_not_given_again(app, withdrawn):
    with ctx(app):
        volunteer, participations = make_world(app, long_dates=2)
        first = certificate.issue(volunteer, participations, volunteer, ISSUED, "문화품앗이")
        Certificate.update({getattr(Certificate, withdrawn): ISSUED}).where(Certificate.id == first.id).execute()
        second = certificate.issue(volunteer, participations, volunteer, ISSUED, "문화품앗이")
        assert second.number != first.number and second.valid


def test_two_presses_at_once_make_one_certificate(app):
    """Four at once (of an activity without dates: nothing else to lock) make one."""
    with ctx(app):
        volunteer, participations = make_world(app, long_dates=0)  # the second activity: no dates to lock
    made = _at_once(app, *[lambda: certificate.issue(volunteer, participations[1:], volunteer, ISSUED, "기관").number
                           for _ in range(4)])
    assert made == ["2026-000001"] * 4
    with ctx(app):
        assert Certificate.select().count() == 1


def test_check_finds_by_code_and_number_and_records_each_look_up(app):
    with ctx(app):
        volunteer, participations = make_world(app, long_dates=1)
        cert = certificate.issue(volunteer, participations, volunteer, ISSUED, "문화품앗이")
        shown = certificate.shown_code(cert.code)
        assert certificate.check(cert.code).id == cert.id
        assert certificate.check(shown.lower(), cert.number, via="form").id == cert.id
        assert certificate.check(cert.code, "2026-000002", via="form") is None  # right code, wrong number
        assert certificate.check("A" * 16, cert.number, via="form") is None  # wrong code
        assert certificate.check("<script>", "x") is None
        checks = list(CertificateCheck.select().order_by(CertificateCheck.id))
        assert [c.found for c in checks] == [True, True, False, False, False]
        assert [c.via for c in checks] == ["link", "form", "form", "form", "link"]


@pytest.mark.parametrize("name, masked", [("김민준", "김*준"), ("이서", "이*"), ("남궁민수", "남**수"), ("김", "*")])
def test_mask_name(name, masked):
    assert certificate.mask_name(name) == masked


@pytest.mark.parametrize("masked, born", [("900101-1******", "1990-01-01"), ("020304-4******", "2002-03-04"),
                                          ("", "")])
def test_birth_date(masked, born):
    assert certificate.birth_date(masked) == born


def test_certificate_without_verified_identity_says_so(app):
    with ctx(app):
        volunteer, participations = make_world(app, long_dates=0)
        identities.reset(volunteer, volunteer)
        cert = certificate.issue(volunteer, participations[1:], volunteer, ISSUED, "문화품앗이")
        assert Certificate.select().count() == 1 and db.is_connection_usable()
        text = pdf_text(PdfReader(io.BytesIO(render(cert))))
    assert "본인인증 전" in text and "상세봉사내역이 없습니다" in text


# --- 정정됨: a date a certificate holds is corrected or deleted ------------------------------------------


def _issued_twice(app):
    """Two certificates: `both` holds both activities, `short` only the short one."""
    volunteer, participations = make_world(app, long_dates=2)
    both = certificate.issue(volunteer, participations, volunteer, ISSUED, "문화품앗이")
    short = certificate.issue(volunteer, participations[:1], volunteer, ISSUED, "문화품앗이")
    return volunteer, participations, both, short


def _superseded(*certs):
    return [Certificate.get_by_id(c.id).superseded_at is not None for c in certs]


def test_a_site_editing_a_held_date_supersedes_the_certificates_holding_it(app):
    from pumasi.records import dailylogs
    with ctx(app):
        volunteer, participations, both, short = _issued_twice(app)
        long_log = DailyLog.select().where(DailyLog.participation == participations[1]).first()
        unchanged = dailylogs.LogInput(long_log.participation_id, long_log.date.isoformat(), "09:00", "11:00", "",
                                       log_id=long_log.id)
        dailylogs.save_batch(participations[1].activity, [unchanged], volunteer, ISSUED)
        assert _superseded(both, short) == [False, False]  # saved as it was: nothing corrected
        changed = dailylogs.LogInput(long_log.participation_id, long_log.date.isoformat(), "09:00", "10:30", "",
                                     log_id=long_log.id)
        dailylogs.save_batch(participations[1].activity, [changed], volunteer, ISSUED)
        assert _superseded(both, short) == [True, False]
        assert Certificate.get_by_id(both.id).superseded_reason == "상세봉사내역 수정"
        # What it said is kept as issued.
        assert certificate.content_of(Certificate.get_by_id(both.id))["activities"][1]["dates"][0]["end"] == "11:00"


def test_deleting_a_held_date_or_the_volunteer_supersedes(app):
    from pumasi.records import activities, dailylogs
    with ctx(app):
        volunteer, participations, both, short = _issued_twice(app)
        first = DailyLog.select().where(DailyLog.participation == participations[0],
                                        DailyLog.link_state == DateState.UNSENT).get()
        dailylogs.delete_log(first, volunteer)
        assert _superseded(both, short) == [True, True]
        third = certificate.issue(volunteer, participations[1:], volunteer, ISSUED, "문화품앗이")
        activities.remove_volunteer(participations[1], volunteer)
        assert _superseded(third) == [True]
        assert CertificateDate.select().where(CertificateDate.certificate == third,
                                              CertificateDate.daily_log.is_null()).count() == 2


def test_an_operators_correction_supersedes(app):
    from pumasi.ops import helpdesk
    with ctx(app):
        volunteer, participations, both, short = _issued_twice(app)
        linked = DailyLog.get(DailyLog.result_code == 300)
        errors = helpdesk.correct_date(linked, {"date": "2026-03-03", "start": "10:00", "end": "12:00", "minutes": ""},
                                       "종료시간 정정", volunteer, resend=False, today=ISSUED)
        assert errors == {}
        assert _superseded(both, short) == [True, True]
        assert Certificate.get_by_id(short.id).superseded_reason == "운영자 정정: 종료시간 정정"
