"""Linkage's plain rules (issue 19): the states and their words, 1365's result codes and the messages
the guide gives for them, the participation's derived state, the retry backoff and how 1365's answers
are sorted. Plain functions only: `make mutate` runs these."""
from dataclasses import dataclass

import pytest
from hypothesis import given, settings, strategies as st

from pumasi.linkage import state
from pumasi.linkage.answers import _sorted_answers, backoff
from pumasi.linkage.delivery import NextStep, batch_size, first_wait, step_for
from pumasi.linkage.state import (DateState, ParticipationState, RequestKind, Summary, code_guide, date_label,
                                  derive_state, message_for)

CONFIG = {'SUPPORT_PHONE': '02-123-4567', 'ORG_NAME': '우리기관'}

# The user guide's words (seed 000), with the phone and organisation filled in.
GUIDE = [
    (99, '시스템 오류 입니다. 02-123-4567 로 문의 주시기 바랍니다.'),
    (100, '1365 에 아이디가 존재하지 않습니다. 1365 계정 확인 후 재연계 해주시기 바랍니다.'),
    (200, '1365 연계동의를 되어있지 않거나, 우리기관 연계 본인인증 주민등록번호와 1365 주민등록번호가 일치 하지 '
          '않습니다. 1365 연계동의 확인 후 본인인증 초기화하고 연계신청 해주시기 바랍니다.'),
    (300, '연계 성공'),
    (400, '연계 성공(중복)'),
]


# --- result codes and their messages

@pytest.mark.parametrize('code, message', GUIDE)
def test_each_result_code_has_the_guides_message(code, message):
    assert message_for(code, CONFIG) == message


def test_code_99_gives_the_support_phone_and_200_the_organisation_in_use():
    other = {'SUPPORT_PHONE': '070-0000-0000', 'ORG_NAME': '다른기관'}
    assert '070-0000-0000' in message_for(99, other) and '02-123-4567' not in message_for(99, other)
    assert '다른기관 연계' in message_for(200, other)


@pytest.mark.parametrize('code', [0, 98, 101, 301, 500, None])
def test_a_code_the_guide_does_not_know_has_no_message(code):
    assert message_for(code, CONFIG) == ''


def test_the_code_guide_lists_every_code_in_order_with_its_message():
    assert code_guide(CONFIG) == GUIDE


def test_success_retry_and_failure_codes():
    assert state.SUCCESS_CODES == (300, 400)
    assert state.RETRY_CODE == 99
    assert state.FAILURE_CODES == (99, 100, 200)
    assert sorted(state.MESSAGES) == [99, 100, 200, 300, 400]
    assert state.MAX_BATCH == 500


# --- the words of the screens

def test_a_dates_state_reads_as_the_guides_table_says():
    assert [date_label(s) for s in (DateState.UNSENT, DateState.PENDING, DateState.SUCCEEDED, DateState.FAILED)] \
        == ['미연계', '연계중', '연계성공', '연계실패']


def test_only_an_unsent_date_of_a_whole_period_linkage_reads_as_such():
    assert date_label(DateState.UNSENT, legacy=True) == '기간 전체 연계'
    assert date_label(DateState.FAILED, legacy=True) == '연계실패'
    assert date_label(DateState.SUCCEEDED, legacy=True) == '연계성공'
    assert date_label(DateState.UNSENT, legacy=False) == '미연계'


def test_participation_and_request_words():
    assert state.PARTICIPATION_LABELS == {'request': '연계신청', 'linking': '연계중', 'done': '연계완료',
                                          'failed': '연계실패'}
    assert state.REQUEST_LABELS == {'request': '연계신청', 'relink': '재연계', 'retry': '운영자 재연계',
                                    'support': '날짜 별 연계(기술지원)'}
    assert (RequestKind.REQUEST, RequestKind.RELINK, RequestKind.RETRY, RequestKind.SUPPORT) == \
        ('request', 'relink', 'retry', 'support')


def test_what_a_site_may_change_and_what_is_still_open():
    assert DateState.EDITABLE == ('unsent', 'failed')
    assert state.AttemptState.OPEN == ('queued', 'submitted')


# --- the participation's state from its dates' counts

@pytest.mark.parametrize('total, pending, failed, unsent, legacy, expected', [
    (1, 1, 0, 0, False, ParticipationState.LINKING),
    (3, 1, 1, 1, False, ParticipationState.LINKING),     # in flight wins over failed and unsent
    (1, 1, 0, 0, True, ParticipationState.LINKING),
    (2, 0, 1, 1, False, ParticipationState.FAILED),      # failed wins over unsent
    (1, 0, 1, 0, True, ParticipationState.FAILED),
    (2, 0, 0, 1, False, ParticipationState.REQUEST),     # one date never sent
    (2, 0, 0, 1, True, ParticipationState.DONE),         # …of a whole-period linkage: done
    (0, 0, 0, 0, False, ParticipationState.REQUEST),     # no dates yet
    (0, 0, 0, 0, True, ParticipationState.DONE),
    (1, 0, 0, 0, False, ParticipationState.DONE),        # every date answered with success
])
def test_the_participation_state_follows_its_dates(total, pending, failed, unsent, legacy, expected):
    assert derive_state(total, pending, failed, unsent, legacy) == expected
    assert Summary(total=total, pending=pending, failed=failed, unsent=unsent, legacy=legacy).state == expected


def test_a_participation_not_linked_the_old_way_unless_told():
    assert derive_state(1, 0, 0, 1) == ParticipationState.REQUEST


def test_an_empty_summary_has_no_minutes_and_asks_for_a_request():
    summary = Summary()
    assert (summary.minutes, summary.total, summary.pending, summary.failed, summary.unsent, summary.legacy) == \
        (0, 0, 0, 0, 0, False)
    assert summary.state == ParticipationState.REQUEST


@settings(deadline=None)
@given(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3), st.booleans())
def test_the_state_is_the_first_that_holds_in_flight_failed_unsent_done(pending, failed, unsent, legacy):
    total = pending + failed + unsent
    got = derive_state(total, pending, failed, unsent, legacy)
    if pending:
        assert got == ParticipationState.LINKING
    elif failed:
        assert got == ParticipationState.FAILED
    elif legacy:
        assert got == ParticipationState.DONE
    else:
        assert got == ParticipationState.REQUEST  # unsent dates, or none at all


# --- the retry backoff: base, doubling each try, at most an hour

@pytest.mark.parametrize('tries, seconds', [(-1, 5.0), (0, 5.0), (1, 5.0), (2, 10.0), (3, 20.0), (4, 40.0)])
def test_the_backoff_doubles_from_the_base_after_the_first_try(tries, seconds):
    assert backoff(5.0, tries) == seconds


@pytest.mark.parametrize('base, tries, seconds', [(1800.0, 2, 3600.0), (1800.0, 3, 3600.0), (1799.5, 2, 3599.0),
                                                  (3601.0, 1, 3600.0), (5.0, 40, 3600.0)])
def test_the_backoff_is_at_most_an_hour(base, tries, seconds):
    assert backoff(base, tries) == seconds


# --- what a step leaves: a submit, a poll, or the end

def test_a_step_has_ended_only_when_nothing_is_scheduled():
    assert NextStep().ended
    assert NextStep().submit_in is None and NextStep().poll_in is None
    assert not NextStep(submit_in=0.0).ended
    assert not NextStep(poll_in=0.0).ended
    assert not NextStep(submit_in=1.0, poll_in=5.0).ended


# --- 1365's answers sorted by what they call for

@dataclass
class Attempt:
    ref: str


def test_answers_are_sorted_into_settled_unknown_and_to_retry():
    submitted = {ref: Attempt(ref) for ref in 'abcdefg'}
    answers = {  # one 1365 knows of but this request did not submit comes first: it is skipped, not the end
        'x': ('done', 300, '연계 성공'), 'a': ('done', 300, '연계 성공'), 'b': ('done', 300, '연계 성공'), 'c': ('done', 200, None),
        'd': ('unknown', None, None), 'e': ('done', 99, '오류'), 'f': ('done', 99, None),
        'g': ('pending', None, None),
    }
    settled, unknown, retry = _sorted_answers(submitted, answers)
    assert settled == {(300, '연계 성공'): [submitted['a'], submitted['b']], (200, ''): [submitted['c']]}
    assert unknown == [submitted['d']]
    assert retry == [(submitted['e'], '오류'), (submitted['f'], '')]


def test_an_answer_for_a_ref_not_submitted_is_ignored():
    assert _sorted_answers({}, {'a': ('done', 300, 'x'), 'b': ('unknown', None, None)}) == ({}, [], [])


# --- a request's next step from its attempts' states, and the size of a batch

POLL = {'LINK_POLL_INTERVAL': 5.0}


@pytest.mark.parametrize('states, submit_in, expected', [
    ({}, None, NextStep()),
    ({'queued': 0, 'submitted': 0, 'answered': 3}, 2.0, NextStep()),
    ({'queued': 1}, None, NextStep(submit_in=0.0)),
    ({'queued': 1}, 7.5, NextStep(submit_in=7.5)),
    ({'submitted': 1}, 7.5, NextStep(poll_in=5.0)),
    ({'queued': 2, 'submitted': 1, 'cancelled': 1}, None, NextStep(submit_in=0.0, poll_in=5.0)),
])
def test_queued_dates_are_submitted_and_submitted_ones_polled_else_the_request_ended(states, submit_in, expected):
    step = step_for(states, POLL, submit_in)
    assert step == expected
    assert step.ended == (expected.submit_in is None and expected.poll_in is None)


def test_a_step_waits_for_its_first_part():
    assert first_wait(NextStep(submit_in=7.5, poll_in=5.0)) == 5.0
    assert first_wait(NextStep(submit_in=0.0, poll_in=5.0)) == 0.0
    assert first_wait(NextStep(submit_in=7.5)) == 7.5
    assert first_wait(NextStep(poll_in=5.0)) == 5.0


@pytest.mark.parametrize('setting, size', [(-5, 1), (0, 1), (1, 1), (2, 2), (200, 200), (499, 499), (500, 500),
                                           (501, 500), ('300', 300)])
def test_a_batch_holds_the_setting_but_at_least_one_and_at_most_500(setting, size):
    assert batch_size({'LINK_BATCH_SIZE': setting}) == size
