"""통계: the operators' charts (pumasi.ops.charts), drawn on the server as SVG, each with its numbers
in a table beside it."""
from datetime import timedelta

from flask import render_template

from ...ops import charts
from ...ops.monitor import format_age
from .. import svg
from .blueprint import bp

COLORS = {300: "#1f7a3f", 400: "#5aa469", 99: "#5b6475", 100: "#c2610c", 200: "#b42318"}
CODE_NAMES = {300: "300 성공", 400: "400 성공(중복)", 99: "99 시스템 오류", 100: "100 계정 없음", 200: "200 동의·인증"}


def _weekly_chart(weekly, labels):
    codes = weekly.codes() or [300]
    series = [(CODE_NAMES[code], COLORS[code], [weekly.counts.get((week, code), 0) for week in range(charts.WEEKS)])
              for code in codes]
    total = sum(weekly.total(week) for week in range(charts.WEEKS))
    return svg.stacked_columns("weekly", "주별 연계 결과 (최근 12주)",
                               f"최근 12주 동안 1365가 답한 날짜 {total}건을 주별로 결과코드에 따라 쌓은 막대그래프입니다. "
                               "정확한 숫자는 옆의 표에 있습니다.", labels, series), codes


def _times_chart(times, labels):
    hours = lambda seconds: None if seconds is None else seconds / 3600  # noqa: E731
    series = [("중앙값", "#1f6f5c", [hours(median) for _, _, median, _ in times]),
              ("90%", "#c2610c", [hours(p90) for _, _, _, p90 in times])]
    return svg.lines("times", "연계신청부터 최종 응답까지 걸린 시간 (시간)",
                     "주별 중앙값과 90번째 백분위수를 시간 단위로 그린 선그래프입니다. 정확한 값은 옆의 표에 있습니다.",
                     labels, series, fmt=lambda value: f"{value:.1f}" if value < 10 else f"{value:.0f}")


CHART_SITES = 15  # bars the failures chart has room for; its table lists every site


def _failures_chart(failures):
    codes, shown = [99, 100, 200], failures[:CHART_SITES]
    series = [(CODE_NAMES[code], COLORS[code], [found.get(code, 0) for _, found in shown]) for code in codes]
    which = (f"연계실패가 많은 {CHART_SITES}곳의 " if len(failures) > CHART_SITES else "")
    return svg.stacked_bars("failures", "활동처별 연계실패 날짜",
                            f"지금 연계실패로 남은 날짜를 {which}활동처별로 결과코드에 따라 쌓은 가로 막대그래프입니다. "
                            "정확한 숫자는 옆의 표에 있습니다" + (" (모든 활동처)." if which else "."),
                            [name for name, _ in shown], series)


def duration(seconds):
    return "-" if seconds is None else format_age(timedelta(seconds=seconds))


@bp.route("/charts")
def charts_page():
    """Dates answered per week by code, time to the final answer, failing dates per site."""
    weekly, times, failures = charts.answered_per_week(), charts.answer_times(), charts.failures_by_site()
    labels = [f"{monday:%m/%d}" for monday in weekly.mondays]
    weekly_svg, codes = _weekly_chart(weekly, labels)
    return render_template("admin/charts.html", weekly=weekly, weekly_svg=weekly_svg, codes=codes,
                           code_names=CODE_NAMES, times=times, times_svg=_times_chart(times, labels),
                           failures=failures, failures_svg=_failures_chart(failures),
                           failure_codes=[99, 100, 200], duration=duration, weeks=range(charts.WEEKS))
