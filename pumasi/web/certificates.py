"""What the volunteers' and the operators' 확인서 pages share: the PDF of an issued certificate as a
download (made from what it said when issued); templates get its state (ops.certificate.state) and
the state's words."""
from flask import current_app, make_response, url_for

from ..clock import today_kst
from ..ops import certificate, certpdf, console_settings

def issue(volunteer, participations, actor):
    """Issue a certificate of the volunteer's participations today, under the organisation's name."""
    org_name = console_settings.effective(current_app)["ORG_NAME"]
    return certificate.issue(volunteer, participations, actor, today_kst(), org_name)


def download(cert):
    """The certificate's PDF as an attachment named after its number (never cached)."""
    verify_url = url_for("verify.by_code", code=cert.code, _external=True)
    data = certpdf.render(certificate.content_of(cert), cert.number, certificate.shown_code(cert.code), verify_url,
                          seal=current_app.config.get("CERT_SEAL"))
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{cert.number}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app):
    app.jinja_env.globals.update(certificate_state=certificate.state, CERTIFICATE_STATES=certificate.STATE_WORDS)
