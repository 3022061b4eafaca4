"""개인정보 처리방침 (/privacy): public, built from the settings, versioned, linked from every page's
footer and from the 본인인증 modal."""
import pytest

from helpers import build_app, ctx, member
from pumasi.identity import store as identities
from pumasi.models import Consent, Identity, PrivacyNotice
from pumasi.ops import privacy


def test_public_and_built_from_the_settings(tmp_path, redis_url):
    """Every part the law asks of a 처리방침 (보호법 제30조), from the settings."""
    app = build_app(tmp_path, f"sqlite:///{tmp_path / 'p.db'}", redis_url, ORG_NAME="한빛봉사회",
                    PRIVACY_OFFICER="홍길동 사무국장", PRIVACY_CONTACT="privacy@hanbit.example",
                    PRIVACY_EFFECTIVE="2027-01-02", PRIVACY_PROCESSORS="가나클라우드: 서버 운영; 다라메일: 이메일 발송",
                    ACCESS_RECORD_YEARS=3, CERTIFICATE_CHECK_DAYS=90)
    page = app.test_client().get("/privacy")
    assert page.status_code == 200
    html = page.text
    assert "<h1>개인정보 처리방침</h1>" in html
    assert "한빛봉사회은(는) 개인정보 보호법 제30조" in html
    assert "개인정보 보호책임자: 홍길동 사무국장" in html and "연락처: privacy@hanbit.example" in html
    assert "자원봉사활동 기본법 시행령 제16조 제1항" in html
    assert "1365를 통하여 보건복지부, 교육부, 여성가족부" in html
    assert "<h2>1. 처리하는 개인정보 항목</h2>" in html
    assert "<li>가나클라우드: 서버 운영</li><li>다라메일: 이메일 발송</li>" in html
    assert "제8조에 따라 3년 보관 후 파기" in html
    assert "확인서 진위확인 기록(확인 일시, 확인한 사람의 IP 주소): 90일 보관 후 파기" in html
    for what in ("처리하는 개인정보 항목", "처리 목적", "보유 기간과 파기", "정보주체의 권리와 행사 방법"):
        assert what in html
    version = privacy.version(app.config)
    assert version.startswith("2027-01-02-") and f"시행일: 2027-01-02 · 버전: <code>{version}</code>" in html


def _config(**changes):
    config = {"ORG_NAME": "문화품앗이", "PRIVACY_OFFICER": "대표자", "PRIVACY_CONTACT": "070-4035-8224",
              "PRIVACY_EFFECTIVE": "2026-12-07", "PRIVACY_PROCESSORS": "", "ACCESS_RECORD_YEARS": 2,
              "CERTIFICATE_CHECK_DAYS": 365}
    config.update(changes)
    return config


@pytest.mark.parametrize("key", ["ORG_NAME", "PRIVACY_OFFICER", "PRIVACY_CONTACT", "PRIVACY_EFFECTIVE",
                                 "PRIVACY_PROCESSORS", "ACCESS_RECORD_YEARS", "CERTIFICATE_CHECK_DAYS"])
def test_the_version_changes_with_every_setting_it_shows(key):
    assert privacy.version(_config()) == privacy.version(_config())
    changed = 5 if key in ("ACCESS_RECORD_YEARS", "CERTIFICATE_CHECK_DAYS") else "다른 값"
    assert privacy.version(_config(**{key: changed})) != privacy.version(_config())


def test_linked_from_every_footer_and_the_identity_modal(client, auth, demo):
    footer_link = '<a href="/privacy"><strong>개인정보 처리방침</strong></a>'
    assert footer_link in client.get("/login").text
    assert footer_link in client.get("/privacy").text
    auth.login("vol3")
    for path in ("/mypage/", "/mypage/activities", "/help/", "/help/1365-consent"):
        assert footer_link in client.get(path).text, path
    modal = client.get("/mypage/identity", headers={"HX-Request": "true"}).text
    assert 'href="/privacy"' in modal and "개인정보 처리방침(새 창)" in modal
    assert "1365를 통하여 보건복지부, 교육부, 여성가족부" in modal


def _verify(client, **extra):
    return client.post("/mypage/identity", data={"rrn_front": "020304", "rrn_back": "4567890", **extra},
                       headers={"HX-Request": "true"})


def test_consent_is_recorded_at_identity_with_the_version_shown(app, client, auth, demo):
    auth.login("vol3")
    version = privacy.version(app.config)
    dialog = client.get("/mypage/identity", headers={"HX-Request": "true"}).text
    assert f'name="notice_version" type="hidden" value="{version}"' in dialog
    assert f"처리방침(버전 {version})에 동의하신 것으로 기록" in dialog
    done = _verify(client, notice_version=version)
    assert done.status_code == 200 and f"개인정보 처리방침(버전 {version}) 동의를" in done.text
    with ctx(app):
        volunteer = member("vol3")
        (consent,) = Consent.select().where(Consent.member == volunteer)
        assert consent.notice_version == version
        assert consent.given_at == Identity.get(Identity.member == volunteer).verified_at
    # 본인인증 초기화 and a new 본인인증: both consents stay, newest first
    client.post("/mypage/identity/reset", headers={"HX-Request": "true"})
    _verify(client)  # a client that sends no version was shown today's
    with ctx(app):
        assert [c.notice_version for c in identities.consents(member("vol3").id)] == [version, version]


def test_a_notice_changed_meanwhile_is_shown_again_and_nothing_saved(app, client, auth, demo):
    auth.login("vol3")
    stale = privacy.version(dict(app.config, PRIVACY_OFFICER="전임 책임자"))
    refused = _verify(client, notice_version=stale)
    assert refused.status_code == 422
    assert "개인정보 처리방침이 바뀌었습니다. 바뀐 내용을 확인하신 뒤 다시 인증해 주세요." in refused.text
    assert f'value="{privacy.version(app.config)}"' in refused.text  # the new one, to agree to this time
    with ctx(app):
        assert not Identity.select().exists() and not Consent.select().exists()


def test_nothing_entrusted_is_said_so(app, client):
    html = client.get("/privacy").text
    assert "개인정보 처리 업무를 다른 곳에 위탁하지 않습니다." in html
    assert "제8조에 따라 2년 보관 후 파기" in html


def test_the_version_agreed_to_can_be_read_again_after_the_notice_changed(app, client, auth, demo):
    auth.login("vol3")
    old = privacy.version(app.config)
    _verify(client, notice_version=old)
    _verify(client, notice_version=old)  # a second 본인인증 under the same version keeps one text
    with ctx(app):
        (kept,) = PrivacyNotice.select()
        assert kept.version == old and privacy.archived(old) == privacy.notice(app.config)
    app.config["PRIVACY_OFFICER"] = "새 책임자"
    app.extensions.pop("config_cache", None)
    new = privacy.version(app.config)
    assert new != old
    assert "개인정보 보호책임자: 새 책임자" in client.get("/privacy").text
    earlier = client.get(f"/privacy?version={old}").text
    assert "개인정보 보호책임자: 대표자" in earlier and "새 책임자" not in earlier
    assert f"이 문서는 이전 버전({old})입니다." in earlier and f"현재 처리방침(버전 {new}) 보기" in earlier
    assert f'href="/privacy?version={old}">{old}</a>' in client.get("/mypage/info").text
    assert client.get("/privacy?version=2020-01-01-00000000").status_code == 404
    with ctx(app):  # a kept text changed in the database no longer passes for its version
        PrivacyNotice.update(content=kept.content.replace("대표자", "다른 사람")).execute()
    assert client.get(f"/privacy?version={old}").status_code == 404
