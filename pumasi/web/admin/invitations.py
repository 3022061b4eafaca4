"""초대: members awaiting their first password; their invitations e-mailed again, or printed as a
sheet of one-time codes (shown once, never kept by the browser)."""
from flask import current_app, flash, make_response, redirect, render_template, request, url_for

from ...accounts import invitations
from ...accounts.sites import all_sites
from ...clock import utcnow
from ...models import Member
from ...ops import console_settings
from ...ops.access import record_access
from ...ops.invite import address, invite
from .. import htmx
from ..auth import same_site_path
from ..helpers import actor, page_arg, page_count
from .blueprint import bp

PRINT_MAX = 500  # codes on one sheet
MAIL_MAX = 1000  # invitations e-mailed by one press of "e-mail everyone" (press again for the next)


def _site_arg(values):
    site_id = values.get("site_id") or ""
    return int(site_id) if site_id.isdigit() and len(site_id) < 10 else None


def _chosen(mailing=False):
    """The members the form names (member_id, repeated) or, with all=1, every match of q and site_id
    of those awaiting their first password: at most PRINT_MAX to print; to e-mail, those with an
    address and no open invitation, at most MAIL_MAX."""
    if request.form.get("all") == "1":
        query = invitations.waiting_query((request.form.get("q") or "").strip()[:50], _site_arg(request.form))
        if mailing:
            return list(invitations.not_yet_invited(query).order_by(Member.id).limit(MAIL_MAX))
        return list(query.order_by(Member.name, Member.id).limit(PRINT_MAX))
    query = Member.select().where(invitations.awaiting_condition())
    ids = [int(value) for value in request.form.getlist("member_id") if value.isdigit() and len(value) < 10]
    return list(query.where(Member.id.in_(ids)).order_by(Member.name, Member.id)) if ids else []


def _back():
    return same_site_path(request.form.get("back") or "") or url_for(".invitation_list")


@bp.route("/invitations")
def invitation_list():
    """Members who have not set their password yet: search, select, e-mail again or print codes."""
    text, site_id = (request.args.get("q") or "").strip()[:50], _site_arg(request.args)
    size = current_app.config["LIST_PAGE_SIZE"]
    total, rows = invitations.waiting(text, page_arg(), size, site_id)
    if rows:  # names, 아이디 and e-mail addresses of members, searched by phone too: as the member list
        record_access(actor(), rows, "조회", "초대 대기 목록(이름·아이디·이메일)" + (f": {text}" if text else ""))
    return htmx.render("admin/invitations.html", "admin/_invitations.html", rows=rows, total=total, q=text,
                       site_id=site_id, sites=all_sites(), page=page_arg(), pages=page_count(total, size),
                       now=utcnow(), print_max=PRINT_MAX, mail_max=MAIL_MAX)


@bp.route("/invitations/print", methods=["POST"])
def invitation_print():
    """A printable sheet of one-time codes for the chosen members (their earlier invitations end)."""
    chosen = _chosen()
    if not chosen:
        flash("초대장을 인쇄할 회원을 선택해 주세요. (비밀번호를 이미 정한 회원은 초대할 수 없습니다.)", "error")
        return redirect(_back(), 303)
    config = console_settings.effective(current_app)
    issued = invitations.issue_codes(chosen, config, actor())
    record_access(actor(), [member for member, _ in issued], "조회",
                  what=f"초대장 인쇄 {len(issued)}명 (이름, 아이디, 초대 코드)")
    response = make_response(render_template(
        "admin/invitation_sheet.html", issued=issued, address=address(request.url_root),
        expires=utcnow() + invitations.valid_for(config), back=_back()))
    response.headers["Cache-Control"] = "no-store"  # shown once: not kept by the browser either
    return response


@bp.route("/invitations/mail", methods=["POST"])
def invitation_mail():
    """E-mail the chosen members a new invitation link (those without an address are said)."""
    chosen = _chosen(mailing=True)
    mailed, to_print = invite(chosen, console_settings.effective(current_app), request.url_root, actor())
    if mailed:
        flash(f"{len(mailed)}명에게 초대 이메일을 보냈습니다.", "info")
    if to_print or not chosen:
        flash(f"{len(to_print)}명은 이메일 주소가 없거나 보내지 못했습니다. 초대 코드를 인쇄해 전해 주세요."
              if to_print else "초대 이메일을 보낼 회원이 없습니다. (선택하지 않았거나, 모두 이미 초대를 받았습니다.)", "error")
    return redirect(_back(), 303)
