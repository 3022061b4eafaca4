"""활동처: the sites with their managers, creating and editing one, and naming its manager."""
from flask import flash, redirect, render_template, request, url_for

from ... import inputs
from ...accounts import members, sites
from ...models import Site
from ..helpers import actor, get_or_404
from ..security import reports_bad_input
from .blueprint import bp


@bp.route("/sites")
def site_list():
    """Sites and their managers."""
    found, managers = sites.with_managers()
    return render_template("admin/sites.html", sites=found, managers=managers)


def _site_page(s, values, errors, status=200, manager_error=None):
    return render_template("admin/site.html", s=s, values=values, errors=errors,
                           managers=sites.managers(s) if s else [], manager_error=manager_error), status


@bp.route("/sites/new", methods=["GET", "POST"])
@bp.route("/sites/<int:site_id>", methods=["GET", "POST"])
@reports_bad_input
def site(site_id=None):
    """Create or edit a site; assign a manager."""
    s = get_or_404(Site, site_id) if site_id else None
    if request.method == "GET":
        return _site_page(s, {"name": s.name if s else "", "phone": s.phone if s else ""}, {})
    values = {"name": request.form.get("name", ""), "phone": request.form.get("phone", "")}
    saved, errors = sites.save(s, values["name"], values["phone"], actor())
    if errors:
        return _site_page(s, values, errors, 422)
    flash("활동처를 저장했습니다.", "info")
    return redirect(url_for(".site", site_id=saved.id), 303)


@bp.route("/sites/<int:site_id>/managers", methods=["POST"])
@reports_bad_input
def site_manager(site_id):
    """Assign a member as the site's manager (by 아이디)."""
    s = get_or_404(Site, site_id)
    username = (request.form.get("username") or "").strip()[:40]
    problem = inputs.field_problem("username", username)
    m = None if problem else members.named(username)
    if m is None:
        return _site_page(s, {"name": s.name, "phone": s.phone}, {}, 422, problem or "해당 아이디의 회원이 없습니다.")
    sites.assign_manager(s, m, actor())
    flash(f"{m.name}님을 담당자로 지정했습니다.", "info")
    return redirect(url_for(".site", site_id=s.id), 303)
