"""The naive baseline: one RQ job per date that decrypts the RRN, POSTs that one record to 1365,
polls for its answer and writes the date's state. Run by `python worker.py` on a queue of its own."""
import threading
import time

from flask import current_app

from pumasi.clock import utcnow
from pumasi.db import db
from pumasi.linkage.state import DateState
from pumasi.models import (Activity, DailyLog, Identity, LinkAttempt, LinkRequest, Member,
                           Participation, Site)
from pumasi.ops import audit
from pumasi.portal import adapter

JOB = "bench.naive.link_date"
_built = None
_lock = threading.Lock()


def _setup():
    """The worker's app and this process's 1365 client."""
    global _built
    with _lock:
        if _built is None:
            app = current_app._get_current_object()
            _built = app, adapter.load(app.config)
    return _built


def _record(attempt, volunteer, rrn):
    log = attempt.daily_log
    activity = log.participation.activity
    return {"ref": attempt.ref, "name": volunteer.name, "rrn": rrn, "site": activity.site.name,
            "activity": activity.title, "date": log.date.isoformat(), "start": log.start.strftime("%H:%M"),
            "end": log.end.strftime("%H:%M"), "minutes": log.minutes}


def link_date(attempt_id):
    """Send one date to 1365, wait for its answer, and record it."""
    app, portal = _setup()
    with app.app_context(), db.connection_context():
        attempt = (LinkAttempt.select(LinkAttempt, DailyLog, Participation, Activity, Site, Member)
                   .join(DailyLog).join(Participation).join(Activity).join(Site)
                   .switch(Participation).join(Member, on=(Participation.volunteer == Member.id))
                   .where(LinkAttempt.id == attempt_id).get())
        volunteer = attempt.daily_log.participation.volunteer
        identity = Identity.get(Identity.member == volunteer.id)
        rrn = app.extensions["rrn_vault"].decrypt(identity.rrn_token)
        audit.record("rrn.decrypt", target=volunteer, detail=f"naive attempt {attempt.id}")
        accepted, _ = portal.submit([_record(attempt, volunteer, rrn)])
        del rrn
        code, message = 99, "rejected"
        if attempt.ref in accepted:
            LinkAttempt.update(state="submitted", submitted_at=utcnow()).where(LinkAttempt.id == attempt.id).execute()
            for _ in range(200):  # the simulator answers at once with zero delay; bounded anyway
                status, answer_code, answer = portal.results([attempt.ref])[attempt.ref]
                if status == "done":
                    code, message = answer_code, answer or ""
                    break
                time.sleep(0.05)
        now = utcnow()
        with db.atomic():
            LinkAttempt.update(state="answered", code=code, message=message[:300], answered_at=now) \
                .where(LinkAttempt.id == attempt.id).execute()
            DailyLog.update(link_state=DateState.SUCCEEDED if code in (300, 400) else DateState.FAILED, result_code=code,
                            updated_at=now).where(DailyLog.id == attempt.daily_log_id).execute()
            if not LinkAttempt.select().where(LinkAttempt.request == attempt.request_id,
                                              LinkAttempt.state.in_(["queued", "submitted"])).exists():
                LinkRequest.update(finished_at=now).where(LinkRequest.id == attempt.request_id).execute()
