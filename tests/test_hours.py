"""Tests for the daily-log rules and formats."""
import datetime
import re
from datetime import date, time

import pytest
from hypothesis import given, strategies as st

from pumasi.records import hours
from pumasi.records.hours import Entry, LogError, Place, check_day, check_entry

PERIOD = (date(2021, 8, 4), date(2021, 9, 30))
TODAY = date(2021, 9, 1)
DAY = date(2021, 8, 9)


def entry(start, end, minutes=None, on=DAY):
    return Entry(on, hours.parse_clock(start), hours.parse_clock(end, 'end'), minutes)


def check(e, today=TODAY):
    return check_entry(e, *PERIOD, today)


@pytest.mark.parametrize('m, text', [(720, '12시간'), (390, '6시간 30분'), (30, '30분'), (0, '0시간'), (480, '8시간'), (61, '1시간 1분')])
def test_format_minutes(m, text):
    assert hours.format_minutes(m) == text


def test_format_period_and_clock():
    assert hours.format_period(*PERIOD) == '20210804~ 20210930'
    assert hours.format_clock(time(10, 0)) == '10:00'
    assert hours.format_clock(time(9, 5)) == '09:05'


@pytest.mark.parametrize('text', ['2021-08-09', '20210809', ' 2021-08-09 '])
def test_parse_date(text):
    assert hours.parse_date(text) == DAY


@pytest.mark.parametrize('text', ['2021-8-9', '2021-02-30', '2021/08/09', '2021-0809', '', None, '２０２１０８０９', '1' * 1000])
def test_parse_date_rejects(text):
    with pytest.raises(LogError) as caught:
        hours.parse_date(text)
    assert caught.value == LogError('date', '날짜 형식이 올바르지 않습니다. (예: 2021-08-09)')


@pytest.mark.parametrize('text', ['3월 5일', '3월5일', ' 12 월 31 일 ', '3/5', '03-05', '3.5', '3.5.', '11/30'])
def test_a_date_without_its_year_is_told_to_add_the_year(text):
    with pytest.raises(LogError) as caught:
        hours.parse_date(text, 'date')
    assert caught.value == LogError('date', '연도가 없는 날짜입니다. 연도까지 적어 주세요. (예: 2021-08-09) '
                                            '엑셀의 날짜 칸이라면 엑셀 통합 문서(.xlsx)로 올리면 그대로 읽습니다.')


@pytest.mark.parametrize('text', ['3월', '5일', '3/5/', '123/5', '3/555', '2026년 3월 5일'])
def test_other_text_is_a_date_of_the_wrong_form(text):
    with pytest.raises(LogError) as caught:
        hours.parse_date(text, 'date')
    assert caught.value == LogError('date', '날짜 형식이 올바르지 않습니다. (예: 2021-08-09)')


@pytest.mark.parametrize('text, expected', [('09:30', time(9, 30)), ('9:30', time(9, 30)), ('0930', time(9, 30)), ('23:59', time(23, 59)), ('00:00', time(0, 0))])
def test_parse_clock(text, expected):
    assert hours.parse_clock(text) == expected


@pytest.mark.parametrize('text', ['24:01', '25:00', '9:60', '930', '09:3', '9시', '', None, '０９:３０'])
@pytest.mark.parametrize('field, name', [('start', '시작시간'), ('end', '종료시간')])
def test_parse_clock_rejects_and_names_the_field(text, field, name):
    with pytest.raises(LogError) as caught:
        hours.parse_clock(text, field=field)
    assert caught.value == LogError(field, f'{name} 형식이 올바르지 않습니다. (예: 09:30)')


def test_log_error_equality():
    assert LogError('end', 'x') == LogError('end', 'x')
    assert LogError('end', 'x') != LogError('start', 'x')
    assert LogError('end', 'x') != LogError('end', 'y')
    assert len({LogError('end', 'x'), LogError('end', 'x')}) == 1


def test_a_good_entry_counts_end_minus_start():
    assert check(entry('10:00', '16:00')) == (360, [])


def test_the_site_may_recognise_fewer_minutes():
    assert check(entry('10:00', '16:00', minutes=300)) == (300, [])
    assert check(entry('10:00', '16:00', minutes=360)) == (360, [])


@pytest.mark.parametrize('minutes', [0, -30, 361, True])
def test_given_minutes_must_fit_the_activity(minutes):
    _, errors = check(entry('10:00', '16:00', minutes=minutes))
    assert errors == [LogError('minutes', '인정시간은 0보다 크고 활동시간(종료-시작) 이하여야 합니다.')]


def test_end_must_be_after_start():
    assert check(entry('10:00', '10:00')) == (0, [LogError('end', '종료시간은 시작시간보다 늦어야 합니다.')])
    assert check(entry('00:00', '00:00')) == (0, [LogError('end', '종료시간은 시작시간보다 늦어야 합니다.')])


@pytest.mark.parametrize('start, end', [('12:00', '10:00'), ('22:00', '02:00'), ('23:30', '00:30')])
def test_an_end_before_the_start_is_told_to_split_the_night(start, end):
    assert check(entry(start, end)) == (0, [LogError('end', '종료시간은 시작시간보다 늦어야 합니다. 자정을 넘긴 활동은 '
                                                     '날짜를 나누어 입력해 주세요. (예: 22:00~24:00, 다음 날 00:00~02:00)')])


# --- a log may end at midnight: 24:00 typed (or 00:00, as a browser's time box holds it)

@pytest.mark.parametrize('text', ['24:00', '2400', ' 24:00 '])
def test_an_end_of_24_00_is_midnight_and_a_start_of_24_00_is_refused(text):
    assert hours.parse_clock(text, 'end') == time(0)
    with pytest.raises(LogError):
        hours.parse_clock(text, 'start')


@pytest.mark.parametrize('start, end, minutes', [('22:00', '24:00', 120), ('22:00', '00:00', 120),
                                                 ('23:59', '24:00', 1), ('16:00', '24:00', 480)])
def test_a_log_ending_at_midnight_counts_to_the_end_of_its_date(start, end, minutes):
    assert check(entry(start, end)) == (minutes, [])


def test_a_log_ending_at_midnight_keeps_the_8_hour_cap():
    assert check(entry('15:00', '24:00')) == (540, [LogError('minutes', '하루 인정시간은 최대 8시간입니다.')])
    assert check(entry('15:00', '24:00', minutes=480)) == (480, [])


def test_a_log_ending_at_midnight_overlaps_the_evening_not_the_next_morning():
    night = entry('22:00', '24:00')
    assert check_day([night], [entry('23:00', '23:30')]) == [(0, LogError('start', '같은 날 이미 입력된 시간과 겹칩니다. (23:00~23:30)'))]
    assert check_day([entry('23:00', '23:30')], [night]) == [(0, LogError('start', '같은 날 이미 입력된 시간과 겹칩니다. (22:00~24:00)'))]
    assert check_day([night], [entry('00:00', '02:00'), entry('20:00', '22:00')]) == []
    assert check_day([night], [entry('00:00', '02:00', on=DAY + datetime.timedelta(days=1))]) == []


def test_a_log_ending_at_midnight_counts_towards_the_day_cap():
    assert check_day([entry('20:00', '24:00')], [entry('09:00', '14:00')]) == [
        (0, LogError('minutes', '하루 인정시간 8시간을 넘습니다. (현재 합계 9시간)'))]


def test_midnight_as_an_end_is_shown_as_24_00():
    assert hours.format_end(time(0)) == '24:00'
    assert hours.format_end(time(16, 0)) == '16:00'
    assert hours.format_clock(time(0)) == '00:00'


@pytest.mark.parametrize('on', [date(2021, 8, 3), date(2021, 10, 1)])
def test_date_must_lie_in_the_activity_period(on):
    _, errors = check(entry('10:00', '12:00', on=on), today=date(2022, 1, 1))
    assert errors == [LogError('date', '활동일이 활동기간(20210804~ 20210930) 밖입니다.')]


def test_period_bounds_are_inclusive():
    assert check(entry('10:00', '12:00', on=PERIOD[0]))[1] == []
    assert check(entry('10:00', '12:00', on=PERIOD[1]), today=PERIOD[1])[1] == []


def test_no_future_dates():
    assert check(entry('10:00', '12:00', on=TODAY))[1] == []
    _, errors = check(entry('10:00', '12:00', on=TODAY + datetime.timedelta(days=1)))
    assert errors == [LogError('date', '미래 날짜는 입력할 수 없습니다.')]


def test_one_entry_may_not_exceed_eight_hours():
    assert check(entry('09:00', '17:00')) == (480, [])
    assert check(entry('09:00', '18:00')) == (540, [LogError('minutes', '하루 인정시간은 최대 8시간입니다.')])
    assert check(entry('09:00', '18:00', minutes=480)) == (480, [])


def test_every_error_is_reported():
    _, errors = check(entry('12:00', '12:00', on=date(2021, 10, 1)))
    assert errors == [
        LogError('date', '활동일이 활동기간(20210804~ 20210930) 밖입니다.'),
        LogError('date', '미래 날짜는 입력할 수 없습니다.'),
        LogError('end', '종료시간은 시작시간보다 늦어야 합니다.'),
    ]


def test_touching_logs_do_not_overlap():
    assert check_day([entry('10:00', '12:00'), entry('12:00', '14:00')], [entry('14:00', '16:00')]) == []


def test_overlap_with_an_existing_log():
    assert check_day([entry('11:00', '13:00')], [entry('10:00', '12:00')]) == [
        (0, LogError('start', '같은 날 이미 입력된 시간과 겹칩니다. (10:00~12:00)'))]


def test_overlap_between_new_logs_marks_both():
    assert check_day([entry('09:00', '10:30'), entry('10:00', '12:00'), entry('13:00', '14:00')], []) == [
        (0, LogError('start', '함께 입력한 다른 줄의 시간과 겹칩니다. (10:00~12:00)')),
        (1, LogError('start', '함께 입력한 다른 줄의 시간과 겹칩니다. (09:00~10:30)')),
    ]


def test_overlap_between_new_logs_names_the_other_line():
    assert check_day([entry('09:00', '10:30'), entry('10:00', '12:00')], [], names=['3행', '7행']) == [
        (0, LogError('start', '7행의 시간과 겹칩니다. (10:00~12:00)')),
        (1, LogError('start', '3행의 시간과 겹칩니다. (09:00~10:30)')),
    ]


def test_an_exact_repeat_is_a_duplicate_of_the_first_and_nothing_else():
    same = entry('10:00', '12:00')
    errors = check_day([same, entry('13:00', '14:00'), same, same], [], here=Place(1, 10), names=['2행', '3행', '4행', '5행'])
    assert errors == [(2, LogError('start', '2행과 같은 내용입니다. (중복)')),
                      (3, LogError('start', '2행과 같은 내용입니다. (중복)'))]
    assert check_day([same, same], []) == [(1, LogError('start', '함께 입력한 다른 줄과 같은 내용입니다. (중복)'))]


def test_repeats_do_not_count_twice_towards_the_daily_cap():
    five_hours = entry('09:00', '14:00')
    assert check_day([five_hours, five_hours], []) == [
        (1, LogError('start', '함께 입력한 다른 줄과 같은 내용입니다. (중복)'))]


def test_same_times_but_other_minutes_are_not_a_repeat():
    errors = check_day([entry('10:00', '12:00'), entry('10:00', '12:00', minutes=60)], [], names=['2행', '3행'])
    assert [message.message for _, message in errors] == ['3행의 시간과 겹칩니다. (10:00~12:00)',
                                                          '2행의 시간과 겹칩니다. (10:00~12:00)']


def test_overlap_names_the_earliest_clash():
    errors = check_day([entry('09:00', '18:00', minutes=60)], [entry('14:00', '15:00'), entry('10:00', '11:00')])
    assert errors == [(0, LogError('start', '같은 날 이미 입력된 시간과 겹칩니다. (10:00~11:00)'))]


def test_other_dates_neither_overlap_nor_count():
    other_day = entry('10:00', '18:00', on=date(2021, 8, 10))
    assert check_day([entry('10:00', '18:00')], [other_day]) == []


def test_the_daily_cap_counts_new_and_existing_logs():
    new = [entry('09:00', '12:00'), entry('13:00', '16:00', minutes=150)]
    assert check_day(new, [entry('16:00', '18:30')]) == []  # exactly 480
    assert check_day(new, [entry('16:00', '19:30')]) == [
        (i, LogError('minutes', '하루 인정시간 8시간을 넘습니다. (현재 합계 9시간)')) for i in (0, 1)]
    assert check_day(new, [entry('16:00', '20:00')]) == [
        (i, LogError('minutes', '하루 인정시간 8시간을 넘습니다. (현재 합계 9시간 30분)')) for i in (0, 1)]


def test_the_daily_cap_counts_recognised_not_clock_minutes():
    assert check_day([entry('09:00', '18:00', minutes=240)], [entry('19:00', '23:00')]) == []


def test_an_entry_with_end_before_start_counts_nothing_and_overlaps_nothing():
    assert check_day([entry('12:00', '09:00')], [entry('08:00', '16:00')]) == []


times = st.integers(0, 24 * 60 - 1).map(lambda m: time(m // 60, m % 60))


@given(st.integers(0, 24 * 60 - 1), st.integers(0, 24 * 60 - 1))
def test_recognised_minutes_is_the_difference(a, b):
    start, end = sorted((a, b))
    if start == end:
        return
    minutes, _ = check(Entry(DAY, time(start // 60, start % 60), time(end // 60, end % 60)))
    assert minutes == end - start <= 1440


@given(st.dates(), times, times, st.one_of(st.none(), st.integers(-10 ** 6, 10 ** 6)), st.dates(), st.dates(), st.dates())
def test_check_entry_never_raises(on, start, end, minutes, period_start, period_end, today):
    recognised, errors = check_entry(Entry(on, start, end, minutes), period_start, period_end, today)
    assert 0 <= recognised <= 1440
    assert all(isinstance(error, LogError) and error.field in ('date', 'end', 'minutes') for error in errors)


@given(st.lists(st.tuples(times, times, st.one_of(st.none(), st.integers(-100, 2000))), max_size=6),
       st.lists(st.tuples(times, times), max_size=4))
def test_check_day_never_raises(new, old):
    errors = check_day([Entry(DAY, *row) for row in new], [Entry(DAY, *row) for row in old])
    assert all(0 <= index < len(new) and isinstance(error, LogError) for index, error in errors)


@given(st.text(max_size=30))
def test_parsers_raise_only_log_error(text):
    for parse in (hours.parse_date, hours.parse_clock):
        try:
            parse(text)
        except LogError:
            pass


# --- what a site is told of other sites' logs (issue 12: overlap messages leaked other sites' times)

HERE = Place(site=1, activity=10)


def placed(start, end, site, activity, minutes=None):
    return Entry(DAY, time.fromisoformat(start), time.fromisoformat(end), minutes, Place(site, activity))


@pytest.mark.parametrize("other, message", [
    (placed('10:00', '12:00', 2, 20), '이 봉사자는 같은 시간에 다른 활동처의 활동이 있습니다.'),
    (placed('10:00', '12:00', 1, 11), '같은 날 이 활동처의 다른 활동 시간과 겹칩니다. (10:00~12:00)'),
    (placed('10:00', '12:00', 1, 10), '같은 날 이 활동에 이미 입력된 시간과 겹칩니다. (10:00~12:00)'),
    (placed('11:00', '13:00', 1, 10), '이 활동에 이미 입력된 날짜와 시간입니다. (11:00~13:00)'),
])
def test_a_site_sees_times_of_its_own_site_only(other, message):
    assert check_day([entry('11:00', '13:00')], [other], here=HERE) == [(0, LogError('start', message))]
    # An operator (no place) sees every time, as before.
    assert check_day([entry('11:00', '13:00')], [other]) == [
        (0, LogError('start', f'같은 날 이미 입력된 시간과 겹칩니다. ({other.start:%H:%M}~{other.end:%H:%M})'))]


def test_another_sites_clash_never_shows_its_times_even_when_it_comes_first():
    others = [placed('08:00', '11:30', 2, 20), placed('11:00', '12:00', 1, 11)]
    assert check_day([entry('11:00', '13:00')], others, here=HERE) == [
        (0, LogError('start', '같은 날 이 활동처의 다른 활동 시간과 겹칩니다. (11:00~12:00)'))]
    hidden = check_day([entry('09:00', '10:00')], others, here=HERE)
    assert hidden == [(0, LogError('start', '이 봉사자는 같은 시간에 다른 활동처의 활동이 있습니다.'))]
    assert not re.search(r'\d', hidden[0][1].message)


def test_rows_of_the_batch_are_this_activity():
    assert check_day([entry('09:00', '10:30'), entry('10:00', '12:00')], [], here=HERE) == [
        (0, LogError('start', '함께 입력한 다른 줄의 시간과 겹칩니다. (10:00~12:00)')),
        (1, LogError('start', '함께 입력한 다른 줄의 시간과 겹칩니다. (09:00~10:30)'))]


def test_the_daily_cap_tells_a_site_its_own_minutes_only():
    elsewhere = placed('07:00', '12:00', 2, 20)          # 5 hours at another site
    mine = placed('13:00', '14:00', 1, 11)               # 1 hour at this site's other activity
    assert check_day([entry('14:00', '17:00')], [elsewhere, mine], here=HERE) == [
        (0, LogError('minutes', '다른 활동처의 활동을 포함하면 하루 인정시간 8시간을 넘습니다. (이 활동처 합계 4시간)'))]
    assert check_day([entry('14:00', '17:00')], [elsewhere, mine]) == [
        (0, LogError('minutes', '하루 인정시간 8시간을 넘습니다. (현재 합계 9시간)'))]
    own = placed('07:00', '12:00', 1, 11)
    assert check_day([entry('13:00', '17:00')], [own], here=HERE) == [
        (0, LogError('minutes', '하루 인정시간 8시간을 넘습니다. (현재 합계 9시간)'))]
