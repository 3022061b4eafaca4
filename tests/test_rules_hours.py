"""The daily-log rules at their boundaries (issue 19): each comparison tried at the limit, one below
and one above, named as the rule reads. Plain functions only: `make mutate` runs these."""
import copy
import pickle
from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings, strategies as st

from pumasi.records import hours
from pumasi.records.hours import Entry, LogError, Place, check_day, check_entry

PERIOD = (date(2021, 8, 4), date(2021, 9, 30))
TODAY = date(2021, 9, 1)
DAY = date(2021, 8, 9)

ORDER = LogError('end', '종료시간은 시작시간보다 늦어야 합니다.')
OVERNIGHT = LogError('end', '종료시간은 시작시간보다 늦어야 합니다. 자정을 넘긴 활동은 날짜를 나누어 입력해 주세요. '
                            '(예: 22:00~24:00, 다음 날 00:00~02:00)')
MINUTES = LogError('minutes', '인정시간은 0보다 크고 활동시간(종료-시작) 이하여야 합니다.')
ENTRY_CAP = LogError('minutes', '하루 인정시간은 최대 8시간입니다.')
FUTURE = LogError('date', '미래 날짜는 입력할 수 없습니다.')
OUTSIDE = LogError('date', '활동일이 활동기간(20210804~ 20210930) 밖입니다.')
DATE_FORMAT = LogError('date', '날짜 형식이 올바르지 않습니다. (예: 2021-08-09)')
CLOCK_FORMAT = LogError('start', '시작시간 형식이 올바르지 않습니다. (예: 09:30)')


def at(minute_of_day):
    return time(minute_of_day // 60, minute_of_day % 60)


def end_minute(a, b):
    """The end of a log from minute a to b of the day: 00:00 after a later start is midnight, 1440."""
    return 1440 if b == 0 and a != 0 else b


def span(start, length, minutes=None, on=DAY, place=None):
    """An entry from start ('HH:MM') lasting length minutes."""
    begin = time.fromisoformat(start)
    return Entry(on, begin, at(begin.hour * 60 + begin.minute + length), minutes, place)


def check(entry, today=TODAY):
    return check_entry(entry, *PERIOD, today)


def day_cap(total):
    return LogError('minutes', f'하루 인정시간 8시간을 넘습니다. (현재 합계 {hours.format_minutes(total)})')


def overlap(start, end):
    """A clash with a saved log, as an operator is told it."""
    return LogError('start', f'같은 날 이미 입력된 시간과 겹칩니다. ({start}~{end})')


def batch(start, end):
    """A clash with another entry of the same batch (lines not named)."""
    return LogError('start', f'함께 입력한 다른 줄의 시간과 겹칩니다. ({start}~{end})')


def repeat():
    return LogError('start', '함께 입력한 다른 줄과 같은 내용입니다. (중복)')


# --- one entry: the daily cap of 480 minutes

def test_the_daily_cap_is_480_minutes():
    assert hours.DAILY_CAP_MINUTES == 480


@pytest.mark.parametrize('length', [479, 480])
def test_an_entry_of_up_to_480_minutes_is_taken(length):
    assert check(span('08:00', length)) == (length, [])


@pytest.mark.parametrize('length', [481, 482])
def test_481_minutes_in_one_entry_are_refused(length):
    assert check(span('08:00', length)) == (length, [ENTRY_CAP])


def test_the_entry_cap_reads_the_recognised_minutes_not_the_clock():
    assert check(span('08:00', 600, minutes=480)) == (480, [])
    assert check(span('08:00', 600, minutes=481)) == (481, [ENTRY_CAP])


# --- end after start: a span of one minute is the least there is

def test_a_one_minute_span_is_taken():
    assert check(span('10:00', 1)) == (1, [])
    assert check(span('10:00', 2)) == (2, [])


@pytest.mark.parametrize('start, end', [('10:00', '10:00'), ('00:00', '00:00')])
def test_an_end_at_the_start_is_refused(start, end):
    entry = Entry(DAY, time.fromisoformat(start), time.fromisoformat(end))
    assert check(entry) == (0, [ORDER])


@pytest.mark.parametrize('start, end', [('10:01', '10:00'), ('23:59', '00:01'), ('22:00', '02:00')])
def test_an_end_before_the_start_is_refused_with_how_to_split_a_night(start, end):
    entry = Entry(DAY, time.fromisoformat(start), time.fromisoformat(end))
    assert check(entry) == (0, [OVERNIGHT])


@pytest.mark.parametrize('start, found', [('23:59', (1, [])), ('16:00', (480, [])), ('15:59', (481, [ENTRY_CAP])),
                                          ('00:01', (1439, [ENTRY_CAP]))])
def test_an_end_of_00_00_after_a_start_is_midnight(start, found):
    assert check(Entry(DAY, time.fromisoformat(start), time(0, 0))) == found


def test_an_end_before_the_start_is_not_also_told_its_minutes_are_wrong():
    entry = Entry(DAY, time(10, 0), time(9, 0), minutes=0)
    assert check(entry) == (0, [OVERNIGHT])


def test_the_span_counts_hours_as_sixty_minutes():
    assert check(Entry(DAY, time(9, 59), time(11, 1))) == (62, [])
    assert check(Entry(DAY, time(0, 0), time(1, 0))) == (60, [])
    assert check(Entry(DAY, time(7, 30), time(9, 15))) == (105, [])


# --- the recognised minutes a site gives: 1 ≤ minutes ≤ span

@pytest.mark.parametrize('minutes', [1, 2, 59, 60])
def test_given_minutes_from_one_up_to_the_span_are_taken(minutes):
    assert check(span('10:00', 60, minutes=minutes)) == (minutes, [])


@pytest.mark.parametrize('minutes', [0, -1, 61, 62])
def test_given_minutes_below_one_or_above_the_span_are_refused(minutes):
    assert check(span('10:00', 60, minutes=minutes)) == (60, [MINUTES])


@pytest.mark.parametrize('minutes', [True, False, 30.0, '30'])
def test_given_minutes_must_be_a_whole_number(minutes):
    assert check(span('10:00', 60, minutes=minutes)) == (60, [MINUTES])


def test_recognised_minutes_are_the_span_when_none_or_wrong_and_never_negative():
    assert hours.recognised_minutes(span('10:00', 60)) == 60
    assert hours.recognised_minutes(span('10:00', 60, minutes=30)) == 30
    assert hours.recognised_minutes(span('10:00', 60, minutes=61)) == 60
    assert hours.recognised_minutes(span('10:00', 60, minutes=0)) == 60
    assert hours.recognised_minutes(Entry(DAY, time(10, 0), time(9, 0))) == 0
    assert hours.recognised_minutes(Entry(DAY, time(10, 0), time(9, 0), 30)) == 0
    assert hours.recognised_minutes(Entry(DAY, time(10, 0), time(10, 1), 1)) == 1


# --- the date: inside the period, not after today

@pytest.mark.parametrize('on, ok', [
    (PERIOD[0] - timedelta(days=1), False), (PERIOD[0], True), (PERIOD[0] + timedelta(days=1), True),
    (PERIOD[1] - timedelta(days=1), True), (PERIOD[1], True), (PERIOD[1] + timedelta(days=1), False),
])
def test_the_date_lies_in_the_period_bounds_included(on, ok):
    assert check(span('10:00', 60, on=on), today=date(2030, 1, 1))[1] == ([] if ok else [OUTSIDE])


@pytest.mark.parametrize('days, ok', [(-1, True), (0, True), (1, False), (2, False)])
def test_today_is_taken_and_tomorrow_is_refused(days, ok):
    on = TODAY + timedelta(days=days)
    assert check(span('10:00', 60, on=on))[1] == ([] if ok else [FUTURE])


def test_every_broken_rule_is_told_in_order():
    entry = Entry(PERIOD[1] + timedelta(days=1), time(8, 0), time(17, 1))
    assert check(entry, today=PERIOD[1]) == (541, [OUTSIDE, FUTURE, ENTRY_CAP])
    wrong = Entry(PERIOD[1] + timedelta(days=1), time(8, 0), time(9, 0), 90)
    assert check(wrong, today=PERIOD[1]) == (60, [OUTSIDE, FUTURE, MINUTES])


# --- the day: the cap across entries, and overlaps

@pytest.mark.parametrize('total', [479, 480])
def test_up_to_480_minutes_in_one_day_are_taken(total):
    assert check_day([span('08:00', 240)], [span('13:00', total - 240)]) == []


@pytest.mark.parametrize('total', [481, 482])
def test_481_minutes_in_one_day_are_refused(total):
    assert check_day([span('08:00', 240)], [span('13:00', total - 240)]) == [(0, day_cap(total))]


def test_the_day_cap_marks_every_new_entry_of_that_day():
    new = [span('08:00', 200), span('12:00', 200), span('16:00', 81)]
    assert check_day(new, []) == [(i, day_cap(481)) for i in range(3)]
    assert check_day(new[:2] + [span('16:00', 80)], []) == []


def test_the_day_cap_counts_only_that_date():
    other = span('08:00', 300, on=DAY + timedelta(days=1))
    assert check_day([span('08:00', 300)], [other]) == []
    assert check_day([span('08:00', 300), other], []) == []


def test_the_day_cap_counts_nothing_for_an_end_before_its_start():
    backwards = Entry(DAY, time(20, 0), time(8, 0))
    assert check_day([span('08:00', 480), backwards], []) == []


@pytest.mark.parametrize('gap, clash', [(-1, True), (0, False), (1, False)])
def test_entries_that_touch_do_not_overlap_and_one_minute_more_does(gap, clash):
    first = span('10:00', 60)
    second = span('11:00', 60) if gap == 0 else Entry(DAY, at(660 + gap), at(720 + gap))
    expected = [(0, overlap('10:00', '11:00'))] if clash else []
    assert check_day([second], [first]) == expected
    expected = [(0, overlap(second.start.strftime('%H:%M'), second.end.strftime('%H:%M')))] if clash else []
    assert check_day([first], [second]) == expected


def test_an_entry_inside_another_overlaps_it():
    assert check_day([span('10:10', 10)], [span('10:00', 60)]) == [(0, overlap('10:00', '11:00'))]
    assert check_day([span('10:00', 60)], [span('10:10', 10)]) == [(0, overlap('10:10', '10:20'))]


def test_an_entry_does_not_overlap_itself():
    assert check_day([span('10:00', 60)], []) == []


def test_a_row_with_end_before_start_does_not_stop_the_checks_of_later_rows():
    backwards = Entry(DAY, time(12, 0), time(9, 0))
    rows = [backwards, span('10:00', 60), span('10:30', 60)]
    assert check_day(rows, []) == [(1, batch('10:30', '11:30')), (2, batch('10:00', '11:00'))]
    assert check_day([backwards, span('10:00', 60)], [span('10:30', 60)]) == [(1, overlap('10:30', '11:30'))]


def test_a_zero_length_log_overlaps_nothing_and_a_one_minute_log_does():
    empty = Entry(DAY, time(10, 30), time(10, 30))
    assert check_day([span('10:00', 60)], [empty]) == []
    assert check_day([span('10:00', 60)], [span('10:30', 1)]) == [(0, overlap('10:30', '10:31'))]


def test_an_entry_of_no_length_is_not_checked_for_overlaps():
    # check_entry tells it its end is not after its start; a clash would only repeat that.
    point = Entry(DAY, time(10, 30), time(10, 30))
    assert check_day([point], [span('10:00', 60)]) == []
    assert check_day([point, span('10:00', 60)], []) == []


def test_a_one_minute_entry_is_checked_for_overlaps():
    assert check_day([span('10:30', 1)], [span('10:00', 60)]) == [(0, overlap('10:00', '11:00'))]
    assert check_day([span('10:30', 1), span('10:00', 60)], []) == [(0, batch('10:00', '11:00')),
                                                                    (1, batch('10:30', '10:31'))]


def test_logs_of_other_dates_never_overlap():
    assert check_day([span('10:00', 60)], [span('10:00', 60, on=DAY + timedelta(days=1))]) == []


def test_the_clash_named_is_the_earliest_start_then_the_earliest_end():
    existing = [span('10:30', 60), span('10:20', 40), span('10:20', 20)]
    assert check_day([span('10:00', 120)], existing) == [(0, overlap('10:20', '10:40'))]


def test_a_row_that_overlaps_and_breaks_the_cap_gets_both_errors_overlap_first():
    rows = [span('08:00', 300), span('12:00', 200)]
    assert check_day(rows, []) == [(0, batch('12:00', '15:20')), (0, day_cap(500)),
                                   (1, batch('08:00', '13:00')), (1, day_cap(500))]


# --- what a site may see of others' logs

HERE = Place(site=1, activity=10)


def test_a_site_is_told_of_its_own_logs_times_and_which_activity():
    same = span('10:00', 60, place=Place(1, 10))
    sibling = span('10:00', 60, place=Place(1, 11))
    elsewhere = span('09:00', 120, place=Place(2, 10))
    entry = span('10:30', 60)
    assert check_day([entry], [same], here=HERE) == [
        (0, LogError('start', '같은 날 이 활동에 이미 입력된 시간과 겹칩니다. (10:00~11:00)'))]
    assert check_day([span('10:00', 60)], [same], here=HERE) == [
        (0, LogError('start', '이 활동에 이미 입력된 날짜와 시간입니다. (10:00~11:00)'))]
    assert check_day([span('10:00', 61)], [same], here=HERE) == [
        (0, LogError('start', '같은 날 이 활동에 이미 입력된 시간과 겹칩니다. (10:00~11:00)'))]
    assert check_day([entry], [sibling], here=HERE) == [
        (0, LogError('start', '같은 날 이 활동처의 다른 활동 시간과 겹칩니다. (10:00~11:00)'))]
    assert check_day([entry], [elsewhere], here=HERE) == [
        (0, LogError('start', '이 봉사자는 같은 시간에 다른 활동처의 활동이 있습니다.'))]
    assert check_day([entry], [elsewhere, sibling], here=HERE) == [
        (0, LogError('start', '같은 날 이 활동처의 다른 활동 시간과 겹칩니다. (10:00~11:00)'))]


def test_the_cap_told_to_a_site_counts_its_own_minutes_when_others_add_to_them():
    elsewhere = span('06:00', 1, place=Place(2, 20))
    assert check_day([span('08:00', 480)], [elsewhere], here=HERE) == [
        (0, LogError('minutes', '다른 활동처의 활동을 포함하면 하루 인정시간 8시간을 넘습니다. (이 활동처 합계 8시간)'))]
    own = span('06:00', 1, place=Place(1, 11))
    assert check_day([span('08:00', 480)], [own], here=HERE) == [(0, day_cap(481))]
    assert check_day([span('08:00', 479)], [elsewhere], here=HERE) == []


# --- formats and parsing

@pytest.mark.parametrize('m, text', [(0, '0시간'), (1, '1분'), (59, '59분'), (60, '1시간'), (61, '1시간 1분'),
                                     (119, '1시간 59분'), (120, '2시간'), (481, '8시간 1분')])
def test_minutes_are_shown_in_hours_and_minutes(m, text):
    assert hours.format_minutes(m) == text


def test_negative_minutes_cannot_be_shown():
    with pytest.raises(ValueError) as caught:
        hours.format_minutes(-1)
    assert str(caught.value) == 'minutes must not be negative'


def test_period_and_clock_formats():
    assert hours.format_period(date(2021, 1, 2), date(2022, 11, 30)) == '20210102~ 20221130'
    assert hours.format_clock(time(0, 5)) == '00:05'
    assert hours.format_clock(time(23, 59)) == '23:59'


@pytest.mark.parametrize('width, ok', [(19, True), (20, True), (21, False), (22, False)])
def test_a_date_input_is_read_up_to_20_characters(width, ok):
    text = '2021-08-09'.center(width)
    if ok:
        assert hours.parse_date(text) == DAY
    else:
        with pytest.raises(LogError) as caught:
            hours.parse_date(text)
        assert caught.value == DATE_FORMAT


@pytest.mark.parametrize('width, ok', [(19, True), (20, True), (21, False), (22, False)])
def test_a_clock_input_is_read_up_to_20_characters(width, ok):
    text = '09:30'.rjust(width)
    if ok:
        assert hours.parse_clock(text) == time(9, 30)
    else:
        with pytest.raises(LogError) as caught:
            hours.parse_clock(text)
        assert caught.value == CLOCK_FORMAT


@pytest.mark.parametrize('value', [20210809, b'2021-08-09', ['2021-08-09']])
def test_a_date_that_is_not_text_is_refused(value):
    with pytest.raises(LogError) as caught:
        hours.parse_date(value, field='when')
    assert caught.value == LogError('when', DATE_FORMAT.message)


@pytest.mark.parametrize('text, expected', [('20210809', DAY), ('2021-08-09', DAY), ('00010101', date(1, 1, 1)),
                                            ('9999-12-31', date(9999, 12, 31))])
def test_dates_in_both_forms_are_read(text, expected):
    assert hours.parse_date(text) == expected


@pytest.mark.parametrize('text', ['2021-08-09x', 'x2021-08-09', '202108091', '2021080', '2021-08-09-'])
def test_a_date_with_more_or_less_is_refused(text):
    with pytest.raises(LogError):
        hours.parse_date(text)


@pytest.mark.parametrize('text, expected', [('0:00', time(0, 0)), ('9:05', time(9, 5)), ('2359', time(23, 59)),
                                            ('0000', time(0, 0)), (' 9:30 ', time(9, 30))])
def test_clock_times_in_every_form_are_read(text, expected):
    assert hours.parse_clock(text) == expected


@pytest.mark.parametrize('text', ['123:00', '9:305', '12345', '0930x', 930])
def test_a_clock_with_more_or_less_is_refused_for_its_field(text):
    with pytest.raises(LogError) as caught:
        hours.parse_clock(text, field='end')
    assert caught.value == LogError('end', '종료시간 형식이 올바르지 않습니다. (예: 09:30)')


def test_a_clock_error_of_another_field_says_time():
    with pytest.raises(LogError) as caught:
        hours.parse_clock('x', field='when')
    assert caught.value == LogError('when', '시간 형식이 올바르지 않습니다. (예: 09:30)')


def test_a_clock_error_is_for_the_start_unless_told():
    with pytest.raises(LogError) as caught:
        hours.parse_clock('x')
    assert caught.value.field == 'start'
    with pytest.raises(LogError) as caught:
        hours.parse_date('x')
    assert caught.value.field == 'date'


def test_a_log_error_reads_as_its_message_and_shows_its_field():
    error = LogError('end', '메시지')
    assert (error.field, error.message, str(error)) == ('end', '메시지', '메시지')
    assert repr(error) == "LogError('end', '메시지')"
    assert error != ('end', '메시지')
    assert hash(error) == hash(LogError('end', '메시지'))
    assert hash(error) != hash(LogError('start', '메시지'))


def test_a_log_error_survives_a_copy_and_a_pickle():
    error = LogError('end', '메시지')
    assert error.args == ('end', '메시지')
    assert copy.copy(error) == error
    assert pickle.loads(pickle.dumps(error)) == error


def test_an_entry_is_entered_here_unless_told_and_its_minutes_are_the_span():
    entry = Entry(DAY, time(9, 0), time(10, 0))
    assert (entry.minutes, entry.place) == (None, None)


# --- properties: the rule itself, over many inputs

minutes_of_day = st.integers(0, 24 * 60 - 1)


@settings(deadline=None)
@given(minutes_of_day, minutes_of_day, st.one_of(st.none(), st.integers(-5, 1500)))
def test_an_entry_is_refused_exactly_when_a_rule_says_so(a, b, given_minutes):
    entry = Entry(DAY, at(a), at(b), given_minutes)
    recognised, errors = check(entry)
    length = end_minute(a, b) - a
    fits = given_minutes is None or 1 <= given_minutes <= length
    assert (ORDER in errors) == (length == 0)
    assert (OVERNIGHT in errors) == (length < 0)
    assert (MINUTES in errors) == (length > 0 and not fits)
    assert recognised == (max(length, 0) if given_minutes is None or not fits else given_minutes)
    assert (ENTRY_CAP in errors) == (recognised > 480)
    assert len(errors) == (ORDER in errors) + (OVERNIGHT in errors) + (MINUTES in errors) + (ENTRY_CAP in errors)


@settings(deadline=None)
@given(st.lists(st.tuples(minutes_of_day, minutes_of_day), max_size=5),
       st.lists(st.tuples(minutes_of_day, minutes_of_day), max_size=3))
def test_a_day_is_refused_exactly_where_logs_repeat_overlap_or_pass_480_minutes(new, old):
    rows = [Entry(DAY, at(a), at(b)) for a, b in new]
    existing = [Entry(DAY, at(a), at(b)) for a, b in old]
    errors = check_day(rows, existing)
    repeats = {i for i, pair in enumerate(new) if pair in new[:i]}  # a repeat counts nowhere else
    kept = [pair for i, pair in enumerate(new) if i not in repeats]
    total = sum(max(end_minute(a, b) - a, 0) for a, b in kept + old)
    for index, (a, b) in enumerate(new):
        mine = [error for i, error in errors if i == index]
        if index in repeats:
            assert mine == [repeat()]
            continue
        others = [pair for pair in kept if pair != (a, b)] + old
        clashes = a < end_minute(a, b) and any(c < end_minute(c, d) and a < end_minute(c, d) and c < end_minute(a, b)
                                               for c, d in others)
        assert any(error.field == 'start' for error in mine) == clashes
        alone = max(end_minute(a, b) - a, 0) > 480  # told by check_entry, not again as the day's total
        assert (day_cap(total) in mine) == (total > 480 and not alone)
        assert len(mine) == clashes + (total > 480 and not alone)
    assert [i for i, _ in errors] == sorted(i for i, _ in errors)


def test_a_repeated_entry_is_told_once_and_counts_nowhere_else():
    rows = [span('08:00', 300), span('08:00', 300), span('13:00', 180)]  # 480 once, 780 were the repeat counted
    assert check_day(rows, []) == [(1, repeat())]
    assert check_day(rows, [], names=['2행', '3행', '4행']) == [
        (1, LogError('start', '2행과 같은 내용입니다. (중복)'))]
    assert check_day([span('08:00', 300), span('08:00', 300, minutes=100)], []) == [
        (0, batch('08:00', '13:00')), (1, batch('08:00', '13:00'))]


def test_a_batch_clash_names_the_other_line_when_lines_are_named():
    rows = [span('10:00', 60), span('10:30', 60)]
    assert check_day(rows, [], names=['2행', '3행']) == [
        (0, LogError('start', '3행의 시간과 겹칩니다. (10:30~11:30)')),
        (1, LogError('start', '2행의 시간과 겹칩니다. (10:00~11:00)'))]


def test_a_clash_with_a_saved_log_is_told_before_one_with_the_batch():
    rows = [span('10:00', 60), span('10:30', 60)]
    assert check_day(rows, [span('10:50', 5)]) == [(0, overlap('10:50', '10:55')), (1, overlap('10:50', '10:55'))]
    assert check_day(rows, [span('11:10', 5)]) == [(0, batch('10:30', '11:30')), (1, overlap('11:10', '11:15'))]


def test_the_batch_clash_named_is_the_earliest_other_line():
    rows = [span('10:00', 120), span('11:00', 30), span('10:30', 60), span('10:30', 30)]
    assert check_day(rows, [])[0] == (0, batch('10:30', '11:00'))
