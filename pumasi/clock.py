"""Time: every timestamp is stored as naive UTC; Korea's time zone is what people are shown and what
"today" and "not in the future" mean."""
from datetime import datetime, timedelta, timezone

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


def today_start_utc():
    """Midnight of today in Korea, as naive UTC."""
    midnight = datetime.now(KST).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(timezone.utc).replace(tzinfo=None)
