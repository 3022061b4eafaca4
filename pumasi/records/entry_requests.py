"""입력 요청: from the no-detail notice, a volunteer asks their site to enter the daily logs of a
participation. One open ask per participation; it closes by itself when the site enters a date for
that participation (dailylogs.write_checked); the site sees the open ones on its home page, and its
managers get one e-mail a day with the new ones (the workers' sweep: ops.notify.mail_entry_requests)."""
from dataclasses import dataclass

from ..clock import today_start_utc, utcnow
from ..db import db
from ..linkage import version
from ..models import Activity, DailyLog, EntryRequest, Member, Participation, Site
from ..ops import audit


class HasDates(Exception):
    """The participation has dates already: nothing to ask for, 연계신청 sends them."""


def open_request(participation_id):
    """The open ask of a participation, or None."""
    return EntryRequest.get_or_none(EntryRequest.open_participation == participation_id)


def ask(participation, volunteer):
    """Ask the site for this participation's daily logs: the open ask (a new one, or the one made
    before). HasDates when the site entered dates meanwhile."""
    with db.atomic():
        if DailyLog.select().where(DailyLog.participation == participation).exists():
            raise HasDates()
        # rowcount, not execute()'s id: on SQLite an ignored INSERT reports the connection's last row id
        inserted = db.execute(EntryRequest.insert(participation=participation, requested_by=volunteer,
                                                  open_participation=participation.id, created_at=utcnow())
                              .on_conflict_ignore()).rowcount == 1
        found = open_request(participation.id)
        if inserted and found is not None:
            version.bump_participations([participation.id])  # the row says 입력 요청함 now
            audit.record("entry.request", actor=volunteer, target=participation,
                         detail=f"입력 요청: {participation.activity.title}")
    return found


def close_for(participation_ids, now=None):
    """Close the open asks of these participations (a date was entered for each); how many closed."""
    ids = list(set(participation_ids))
    if not ids:
        return 0
    closed = (EntryRequest.update(open_participation=None, closed_at=now or utcnow())
              .where(EntryRequest.open_participation.in_(ids)).execute())
    if closed:  # inside the caller's transaction, which entered the dates
        version.bump_participations(ids)
    return closed


def open_for_site(site_id):
    """The site's open asks, oldest first, with who asked and for which activity."""
    return list(EntryRequest.select(EntryRequest, Participation, Activity, Member)
                .join(Participation).join(Activity).switch(Participation).join(Member)
                .where(EntryRequest.open_participation.is_null(False), Activity.site == site_id)
                .order_by(EntryRequest.created_at, EntryRequest.id))


@dataclass
class Digest:
    """One site's e-mail of new asks: its managers with an address, and the asks."""

    site: Site
    managers: list
    requests: list


def give_back(digest):
    """A digest none of whose e-mails went out: its asks are new again, for the next sweep."""
    EntryRequest.update(mailed_at=None).where(EntryRequest.id.in_([request.id for request in digest.requests])) \
        .execute()


def _mailed_today(site_ids):
    since = today_start_utc()
    return {site_id for (site_id,) in EntryRequest.select(Activity.site).join(Participation).join(Activity)
            .where(EntryRequest.mailed_at >= since, Activity.site.in_(site_ids)).distinct().tuples()}


def due_digests():
    """Per site, the open asks not yet e-mailed, unless that site was e-mailed today (Korea's day):
    claimed (mailed_at set) before they are returned, so two sweeps do not send them twice."""
    waiting = list(EntryRequest.select(EntryRequest, Participation, Activity, Site, Member)
                   .join(Participation).join(Activity).join(Site).switch(Participation).join(Member)
                   .where(EntryRequest.open_participation.is_null(False), EntryRequest.mailed_at.is_null())
                   .order_by(EntryRequest.created_at))
    by_site = {}
    for request in waiting:
        by_site.setdefault(request.participation.activity.site_id, []).append(request)
    skip, now, digests = _mailed_today(list(by_site)), utcnow(), []
    for site_id, requests in by_site.items():
        if site_id in skip:
            continue
        ids = [request.id for request in requests]
        claimed = (EntryRequest.update(mailed_at=now)
                   .where(EntryRequest.id.in_(ids), EntryRequest.mailed_at.is_null()).execute())
        if claimed != len(ids):  # another sweep took some and sends those: the rest go back, for later
            EntryRequest.update(mailed_at=None).where(EntryRequest.id.in_(ids), EntryRequest.mailed_at == now) \
                .execute()
            continue
        managers = list(Member.select().where(Member.site == site_id, Member.role == "site", Member.active == True,  # noqa: E712
                                              Member.removed_at.is_null(), Member.email != ""))
        digests.append(Digest(requests[0].participation.activity.site, managers, requests))
    return digests
