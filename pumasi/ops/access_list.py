"""The access records as an operator looks them up (운영관리 > 접속기록): by account, by the member
whose data it was, by action and period, newest first; what an inspection or a member's question
("who looked at my data?") asks for. Members are named by id only: the list touches no one's data."""
from dataclasses import dataclass
from datetime import timedelta

from peewee import Value

from ..clock import korean_day_start
from ..models import AccessRecord, Member
from .access import ACTIONS


@dataclass
class AccessFilter:
    """Filters of the access records (all optional): account, member (user name), action, period."""

    account: str = ""
    member: str = ""
    action: str = ""
    date_from: object = None
    date_to: object = None

    def select(self):
        """The records this filter lets through (a query, not yet ordered)."""
        query = AccessRecord.select()
        if self.account:
            query = query.where(AccessRecord.actor_name == self.account)
        if self.member:
            found = Member.get_or_none(Member.named(self.member))
            mark = f",{found.id if found else 0},"
            query = query.where(Value(",").concat(AccessRecord.subjects).concat(",").contains(mark))
        if self.action in ACTIONS:
            query = query.where(AccessRecord.action == self.action)
        if self.date_from:  # days in Korea's time
            query = query.where(AccessRecord.at >= korean_day_start(self.date_from))
        if self.date_to:
            query = query.where(AccessRecord.at < korean_day_start(self.date_to + timedelta(days=1)))
        return query


def page(filters, number, size):
    """One page of the records a filter lets through, newest first: (total, records)."""
    query = filters.select()
    return query.count(), list(query.order_by(AccessRecord.seq.desc()).paginate(number, size))
