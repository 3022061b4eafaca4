"""Every error a person can meet, in Korean: a page, or a notice in the modal for htmx; never a
bare 500, and a database away for a moment is a 503 that needs no database itself."""
import logging

import peewee
from flask import g, make_response, render_template, request
from flask_wtf.csrf import CSRFError

from .. import inputs
from . import htmx
from .login import login_manager
from .security import MAX_BODY, BadInput

log = logging.getLogger(__name__)

# (status, title, what to do)
ERRORS = {
    CSRFError: (400, "요청이 만료되었습니다", "페이지를 새로 고친 뒤 다시 시도해 주세요."),
    400: (400, "잘못된 요청입니다", "입력한 내용을 확인해 주세요."),
    403: (403, "접근 권한이 없습니다", "이 페이지를 볼 수 있는 권한이 없습니다."),
    404: (404, "페이지를 찾을 수 없습니다", "주소를 확인해 주세요."),
    405: (405, "허용되지 않는 요청입니다", "주소를 확인해 주세요."),
    409: (409, "처리할 수 없는 요청입니다", "대상의 현재 상태에서는 할 수 없는 작업입니다."),
    429: (429, "요청이 너무 많습니다", "잠시 후 다시 시도해 주세요."),
    503: (503, "일시적으로 처리할 수 없습니다", "지금은 요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요."),
    500: (500, "일시적인 오류가 발생했습니다", "잠시 후 다시 시도해 주세요. 계속되면 기술지원으로 문의해 주세요."),
}
DISCARD_AT_MOST = 2 * MAX_BODY  # nginx lets through at most 6 MB (deploy/nginx/pumasi.conf)


def page(status, title, message):
    """The error as a page, or as a notice in the modal (not a whole page inside a fragment)."""
    if htmx.is_fragment_request():
        return htmx.modal("_notice.html", status=status, title=title, message=message)
    return render_template("error.html", status=status, title=title, message=message), status


def _discard_unread_body():
    """Read and drop what is left of a refused request's body, up to DISCARD_AT_MOST bytes.

    werkzeug refuses an overlong body without reading it; gunicorn then closes the connection with
    the body still unread, the kernel answers the proxy's remaining bytes with a reset, and nginx,
    still sending, turns the Korean 413 into a 502 (seen in 2 of 7 loaded runs of test_proxy).
    """
    stream, left = request.environ.get("wsgi.input"), DISCARD_AT_MOST
    if stream is None:
        return
    try:
        while left > 0 and stream.read(min(left, 65536)):
            left -= 65536
    except (OSError, ValueError):  # the client went away: nothing left to answer
        pass


def bad_input(exc):
    if exc.message == inputs.RRN_MESSAGE:
        return page(422, "주민등록번호는 입력할 수 없습니다", f"'{inputs.label(exc.field)}': {inputs.RRN_MESSAGE}")
    return page(422, "입력할 수 없는 문자가 있습니다", f"'{inputs.label(exc.field)}'에 {inputs.CONTROL_MESSAGE}")


def too_large(exc):
    _discard_unread_body()
    # Only a body over MAX_BODY, or a multipart form of more parts than werkzeug allows, gets here
    # (a long text field reaches its form, see MAX_FORM_MEMORY_SIZE). Browsers send files as
    # multipart and text forms urlencoded: which one it was tells a file from a text.
    if request.content_length is not None and request.content_length <= MAX_BODY:
        return page(413, "입력 항목이 너무 많습니다", "한 번에 보낼 수 있는 항목 수를 넘었습니다. 나누어 다시 시도해 주세요.")
    if request.mimetype == "multipart/form-data":
        limit = request.max_content_length // (1024 * 1024)  # an operator's import file has its own
        return page(413, "파일이 너무 큽니다", f"{limit}MB 이하의 파일만 올릴 수 있습니다.")
    return page(413, "입력한 내용이 너무 깁니다",
                "입력한 글이 너무 길어 받을 수 없습니다 (모두 합쳐 5MB까지). 내용을 줄여 다시 시도해 주세요.")


def already_saved(exc):
    # A unique key met by two requests at once that no form turned into its own message (the forms
    # do: 아이디, 활동처 이름, a volunteer already in an activity): nothing was saved.
    log.warning("integrity error (%s): %s", type(exc).__name__, str(exc).splitlines()[0][:200])
    return page(409, "이미 처리된 요청입니다", "같은 내용이 방금 저장되었습니다. 화면을 새로 고쳐 확인해 주세요.")


def database_unavailable(exc):
    # Locked (SQLite) or unreachable for a moment: the transaction rolled back, nothing was saved
    # half. The page must not need the database itself: loading the member would.
    log.warning("database unavailable (%s): %s", type(exc).__name__, str(exc)[:200])
    if "_login_user" not in g:
        g._login_user = login_manager.anonymous_user()
    response = make_response(page(*ERRORS[503]))
    response.status_code = 503
    response.headers["Retry-After"] = "5"
    return response


def init_app(app):
    """Register the error pages."""
    for error, (status, title, message) in ERRORS.items():
        app.register_error_handler(error, lambda exc, s=status, t=title, m=message: page(s, t, m))
    app.register_error_handler(BadInput, bad_input)
    app.register_error_handler(413, too_large)
    app.register_error_handler(peewee.IntegrityError, already_saved)
    app.register_error_handler(peewee.OperationalError, database_unavailable)
    app.register_error_handler(peewee.InterfaceError, database_unavailable)
