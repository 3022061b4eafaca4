"""The public 확인서 verification page (no log-in): by the QR code's address, or by number and code
typed from paper. A wrong number and a wrong code get the same 404; look-ups that find nothing are
rate-limited per client address (VERIFY_LIMIT); every look-up is recorded (ops.certificate.check)."""
from flask import Blueprint, render_template, request

from ..ops import certificate
from .ratelimit import limit_from, limiter

bp = Blueprint("verify", __name__, url_prefix="/verify")


def _found_nothing(response):
    return response.status_code == 404


# One budget per address for both ways in: only look-ups that find nothing count.
_limited = limiter.shared_limit(limit_from("VERIFY_LIMIT"), scope="verify", deduct_when=_found_nothing)


def _shown(found, number="", code=""):
    if found is None:
        return render_template("verify/page.html", cert=None, not_found=True, number=number, code=code), 404
    content = certificate.content_of(found)
    return render_template("verify/page.html", cert=found, content=content, not_found=False,
                           masked_name=certificate.mask_name(content["name"]))


@bp.route("/")
@_limited
def form():
    """진위확인: the form; with a number and a code, the certificate they name (or the one message)."""
    number, code = (request.args.get("number") or "").strip()[:20], (request.args.get("code") or "").strip()[:40]
    if not number and not code:
        return render_template("verify/page.html", cert=None, not_found=False, number="", code="")
    return _shown(certificate.check(code, number, via="form"), number, code)


@bp.route("/<code>")
@_limited
def by_code(code):
    """The QR code's address."""
    return _shown(certificate.check(code[:40], via="link"))
