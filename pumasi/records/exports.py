"""Daily logs out: an activity's dates as CSV (importable again), and the empty import template as
CSV or .xlsx. CSV in UTF-8 with BOM, so that Korean Excel opens them right; no cell can start a formula."""
import csv
import io

from .sheets import xlsx_template

from ..linkage.state import date_label
from . import hours
from .dailylogs import activity_logs
from .imports import COLUMNS

EXPORT_COLUMNS = ("활동일", "회원아이디", "이름", "시작시간", "종료시간", "인정시간(분)", "1365연계", "결과코드")


def _cell(value):
    """A cell safe to open in a spreadsheet (no formula injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
    return "\ufeff" + out.getvalue()


def template_csv():
    """The empty import template."""
    return csv_text([COLUMNS])


TEMPLATE_FORMATS = {"활동일": "yyyy-mm-dd", "시작시간": "hh:mm", "종료시간": "hh:mm", "인정시간(분)": "0"}


def template_xlsx():
    """The empty import template as .xlsx: 회원아이디, 이름 and 연락처 kept as text (a phone's leading 0
    stays), dates and times in the formats the import reads."""
    return xlsx_template("상세봉사내역", COLUMNS, TEMPLATE_FORMATS)


def export(activity):
    """The activity's daily logs as CSV, by date (importable again), and the ids of the volunteers whose
    dates it holds (for its access record): ([ids], text), from one read of the logs."""
    logs = sorted(activity_logs(activity), key=lambda log: (log.date, log.participation.volunteer.name, log.start))
    rows = [EXPORT_COLUMNS]
    for log in logs:
        volunteer = log.participation.volunteer
        rows.append([_cell(v) for v in (
            log.date.isoformat(), volunteer.username, volunteer.name, hours.format_clock(log.start),
            hours.format_end(log.end), log.minutes, date_label(log.link_state, log.participation.legacy_linked),
            "" if log.result_code is None else log.result_code)])
    return sorted({log.participation.volunteer_id for log in logs}), csv_text(rows)


def export_csv(activity):
    """The activity's daily logs as CSV, by date; importable again."""
    return export(activity)[1]
