"""Time: every timestamp is stored as naive UTC; Korea's time zone is what people are shown and what
"today" and "not in the future" mean."""
from datetime import datetime, time, timedelta, timezone

KST = timezone(timedelta(hours=9))


def utcnow():
    """Now, as a naive UTC datetime (how every timestamp is stored)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def today_kst():
    """Today's date in Korea, the date every 'not in the future' rule means."""
    return datetime.now(KST).date()


def korean_time(moment):
    """A stored (naive UTC) timestamp as an aware datetime in Korea's time zone, or None."""
    return None if moment is None else moment.replace(tzinfo=timezone.utc).astimezone(KST)


def korean_day_start(day):
    """Midnight that starts a day in Korea, as naive UTC: the bound of a day picked in a filter."""
    return datetime.combine(day, time(), tzinfo=KST).astimezone(timezone.utc).replace(tzinfo=None)


def today_start_utc():
    """Midnight of today in Korea, as naive UTC."""
    return korean_day_start(today_kst())
