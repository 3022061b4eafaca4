"""A site's activities and their volunteers: the list, an activity's page, creating and changing an
activity, finding and adding volunteers, and removing one."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ... import inputs
from ...linkage.reads import summaries
from ...records import activities, dailylogs, entry_requests
from ...records.errors import NotAllowed
from .. import htmx
from ..forms import ActivityForm, VolunteerSearchForm
from ..helpers import accessed, actor
from ..security import reports_bad_input
from .blueprint import bp
from .scope import carry_out, dialog, own_activity, own_participation


def _body_context(activity, search=None, found=None):
    people = activities.participants(activity)
    return {"activity": activity, "people": people, "summaries": summaries(people),
            "removable": activities.removable_ids(people), "logs": dailylogs.activity_logs(activity),
            "search": search or VolunteerSearchForm(formdata=None), "found": found}


@bp.route("/")
def index():
    """활동처관리: the volunteers' open 입력 요청, then the site's activities, newest first."""
    return render_template("site/index.html", activities=activities.site_activities(current_user.site_id),
                           entry_requests=entry_requests.open_for_site(current_user.site_id))


def _activity_form(form, activity):
    """Save the form's activity when it and its period hold; else the form again, with why."""
    if form.validate_on_submit():
        problems = activities.check_period(activity, form.start_date.value, form.end_date.value)
        if not problems:
            saved = activities.save_activity(current_user.site_id, actor(), form.values(), activity)
            flash("봉사활동을 저장했습니다." if activity else "봉사활동을 만들었습니다. 봉사자를 추가해 주세요.")
            return redirect(url_for(".activity", activity_id=saved.id), 303)
        form.end_date.errors = list(form.end_date.errors) + problems
    status = 422 if request.method == "POST" else 200
    return render_template("site/activity_form.html", form=form, activity=activity), status


@bp.route("/activities/new", methods=["GET", "POST"])
@reports_bad_input
def new_activity():
    """A new activity: 구분, 봉사제목, 장소, 활동기간."""
    return _activity_form(ActivityForm(), None)


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@reports_bad_input
def edit_activity(activity_id):
    """Change an activity; its period must keep every entered date inside."""
    activity = own_activity(activity_id)
    return _activity_form(ActivityForm(data={
        "category": activity.category, "title": activity.title, "location": activity.location,
        "start_date": activity.start_date.isoformat(), "end_date": activity.end_date.isoformat()}), activity)


@bp.route("/activities/<int:activity_id>")
def activity(activity_id):
    """One activity: its volunteers with their hours and link state, and its daily logs."""
    return htmx.render("site/activity.html", "site/_activity_body.html", **_body_context(own_activity(activity_id)))


@bp.route("/activities/<int:activity_id>/volunteers/search")
@reports_bad_input
def search_volunteers(activity_id):
    """Find a member to add, by 회원아이디 or by 이름 and 연락처."""
    found_activity = own_activity(activity_id)
    form = VolunteerSearchForm(request.args)
    found = activities.find_volunteers(form.username.data, form.name.data, form.phone.data) \
        if form.validate() else None
    status = 200 if found is not None else 422
    if found:
        accessed(found, "조회", "봉사자 찾기(이름·아이디)")
    if htmx.is_fragment_request():
        return render_template("site/_search.html", activity=found_activity, search=form, found=found), status
    return render_template("site/activity.html", **_body_context(found_activity, form, found)), status


@bp.route("/activities/<int:activity_id>/volunteers", methods=["POST"])
@reports_bad_input
def add_volunteer(activity_id):
    """Add a volunteer by 회원아이디 (as the search found them, or typed): never by a member id."""
    found_activity = own_activity(activity_id)
    username = (request.form.get("username") or "").strip()[:40]
    try:
        if inputs.field_problem("username", username):
            raise NotAllowed(inputs.field_problem("username", username))
        participation = activities.add_volunteer(found_activity, username, actor())
    except NotAllowed as exc:
        if htmx.is_fragment_request():
            return render_template("site/_search.html", activity=found_activity,
                                   search=VolunteerSearchForm(formdata=None), found=None, problem=exc.message), 422
        flash(exc.message, "error")
        return redirect(url_for(".activity", activity_id=found_activity.id), 303)
    if htmx.is_fragment_request():
        return htmx.changed("logs-changed")
    flash(f"{participation.volunteer.name}님을 봉사자로 추가했습니다.")
    return redirect(url_for(".activity", activity_id=found_activity.id), 303)


@bp.route("/participations/<int:participation_id>/remove", methods=["GET", "POST"])
def remove_volunteer(participation_id):
    """Take a volunteer out of the activity (only while nothing of theirs went to 1365)."""
    participation = own_participation(participation_id)
    problem = None
    if request.method == "POST":
        done, problem = carry_out(lambda: activities.remove_volunteer(participation, actor()),
                                  f"{participation.volunteer.name}님을 봉사자에서 삭제했습니다.", participation.activity_id)
        if done:
            return done
    elif not activities.removable(participation):
        problem = activities.REMOVE_LINKED_MESSAGE
    status = 422 if problem and request.method == "POST" else 200
    return dialog("site/remove.html", status, p=participation, activity=participation.activity, problem=problem)
