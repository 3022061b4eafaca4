"""The RRN rules at their boundaries (issue 19): input length, the two-part form's fields, the
century digit, the birth date against today, the legacy check digit. Plain functions only."""
import datetime

import pytest
from hypothesis import given, settings, strategies as st

from pumasi.identity import rrn as identity
from pumasi.identity.rrn import RRNError

TODAY = datetime.date(2024, 5, 1)
FRONT = ('주민등록번호 앞 6자리를 숫자로 입력해 주세요.', 'front')
BACK = ('주민등록번호 뒤 7자리를 숫자로 입력해 주세요.', 'back')
BAD_DATE = ('주민등록번호의 생년월일이 올바르지 않습니다.', 'front')
FUTURE = ('주민등록번호의 생년월일이 미래일 수 없습니다.', 'front')


def error_of(call, *args):
    with pytest.raises(RRNError) as caught:
        call(*args)
    assert caught.value.message == str(caught.value)
    return caught.value.message, caught.value.field


# --- input length: up to 40 characters are read, longer is refused unread

@pytest.mark.parametrize('width', [39, 40])
def test_one_string_of_up_to_40_characters_is_read(width):
    assert identity.parse('900101-1234567'.center(width)) == '9001011234567'


@pytest.mark.parametrize('width', [41, 42])
def test_one_string_of_41_characters_is_refused_as_the_front(width):
    assert error_of(identity.parse, '900101-1234567'.center(width)) == FRONT


@pytest.mark.parametrize('width', [39, 40])
def test_each_form_part_of_up_to_40_characters_is_read(width):
    assert identity.parse('900101'.center(width), '1234567'.center(width)) == '9001011234567'


@pytest.mark.parametrize('width', [41, 42])
def test_a_front_part_of_41_characters_is_refused_under_the_front(width):
    assert error_of(identity.parse, '900101'.center(width), '1234567') == FRONT


@pytest.mark.parametrize('width', [41, 42])
def test_a_back_part_of_41_characters_is_refused_under_the_back(width):
    assert error_of(identity.parse, '900101', '1234567'.center(width)) == BACK


# --- the two-part form: each part's problem is told by its own field

@pytest.mark.parametrize('front', ['90010', '9001011', '', None, '9001a1', 900101, '９００１０', '९००१०१'])
def test_a_wrong_front_part_is_told_under_the_front_field(front):
    assert error_of(identity.parse, front, '1234567') == FRONT


@pytest.mark.parametrize('back', ['123456', '12345678', '', '123456a', 1234567, '１２３４５６', '¹234567'])
def test_a_wrong_back_part_is_told_under_the_back_field(back):
    assert error_of(identity.parse, '900101', back) == BACK


def test_a_wrong_front_is_told_before_a_wrong_back():
    assert error_of(identity.parse, '9001', '12') == FRONT


@pytest.mark.parametrize('front, back', [
    ('９００１０１', '１２３４５６７'), ('９００１０１', '1234567'), ('900101', '１２３４５６７'), (' ９００ １０１ ', '１２３４ ５６７'),
])
def test_full_width_digits_are_read_as_digits(front, back):
    assert identity.parse(front, back) == '9001011234567'


@pytest.mark.parametrize('dash', ['-', '－', '‐', '‑', '‒', '–', '—', '―', '−'])
def test_any_dash_between_the_parts_of_one_string_is_read_as_the_hyphen(dash):
    assert identity.parse(f'900101{dash}1234567') == '9001011234567'
    assert identity.parse(f'９００１０１ {dash} １２３４５６７') == '9001011234567'


def test_two_dashes_are_still_refused():
    assert error_of(identity.parse, '900101–12–34567') == BACK


def test_spaces_inside_the_parts_are_dropped():
    assert identity.parse('90 01 01', '1 234 567') == '9001011234567'
    assert identity.parse('9001 01-12345 67') == '9001011234567'


# --- one string: with the hyphen or without, 6 + 7 digits

@pytest.mark.parametrize('text, expected', [
    ('900101123456', BACK), ('90010112345678', BACK), ('90010-11234567', FRONT), ('9001011-234567', FRONT),
    ('900101-123456', BACK), ('900101-12345678', BACK), ('-1234567', FRONT), ('900101-', BACK),
    ('900101-1234-567', BACK), ('', FRONT), (None, FRONT),
])
def test_one_string_is_split_into_6_and_7_digits(text, expected):
    assert error_of(identity.parse, text) == expected


@pytest.mark.parametrize('text', ['9001011234567', '900101-1234567'])
def test_one_string_of_13_digits_is_read_with_or_without_the_hyphen(text):
    assert identity.parse(text) == '9001011234567'


# --- the birth date: the century digit, a real date, not after today

@pytest.mark.parametrize('digit, year', [('1', 1990), ('2', 1990), ('5', 1990), ('6', 1990), ('3', 2090),
                                         ('4', 2090), ('7', 2090), ('8', 2090), ('9', 1890), ('0', 1890)])
def test_the_seventh_digit_gives_the_century(digit, year):
    today = datetime.date(2100, 1, 1)
    assert identity.validate(f'900101{digit}234567', today) == datetime.date(year, 1, 1)


@pytest.mark.parametrize('days, ok', [(-1, True), (0, True), (1, False), (2, False)])
def test_born_today_is_taken_and_born_tomorrow_is_refused(days, ok):
    born = TODAY + datetime.timedelta(days=days)
    rrn = f'{born:%y%m%d}3234567'
    if ok:
        assert identity.validate(rrn, TODAY) == born
    else:
        assert error_of(identity.validate, rrn, TODAY) == FUTURE


@pytest.mark.parametrize('front, ok', [('900131', True), ('900132', False), ('900229', False), ('920229', True),
                                       ('901231', True), ('901301', False), ('900100', False), ('900001', False)])
def test_the_birth_date_must_exist(front, ok):
    if ok:
        assert identity.validate(front + '1234567', TODAY).strftime('%y%m%d') == front
    else:
        assert error_of(identity.validate, front + '1234567', TODAY) == BAD_DATE


def test_validate_reads_every_form_parse_reads():
    assert identity.validate(' 900101 - 1234567 ', TODAY) == datetime.date(1990, 1, 1)
    assert error_of(identity.validate, '90010', TODAY) == FRONT
    assert error_of(identity.validate, '900101-12345', TODAY) == BACK


# --- the pre-2020 check digit: weights 2..9, 2..5, then (11 - sum mod 11) mod 10

# Worked by hand: 1·2+2·3+3·4+4·5+5·6+6·7+7·8+8·9+9·2+1·3+2·4+3·5 = 284; 284 mod 11 = 9; 11 − 9 = 2.
@pytest.mark.parametrize('body, check', [
    ('123456789123', 2),   # sum 284, remainder 9
    ('987654321987', 1),   # sum 296, remainder 10: 11 − 10 = 1
    ('111111111111', 8),   # sum 58, remainder 3
    ('781231123456', 5),   # sum 171, remainder 6
    ('979455897184', 1),   # sum 374, remainder 0: 11 mod 10 = 1
    ('773696289239', 0),   # sum 342, remainder 1: 10 mod 10 = 0
    ('497867619968', 9),   # sum 354, remainder 2
])
def test_the_legacy_check_digit_is_the_one_of_the_old_rule(body, check):
    assert identity.passes_legacy_checksum(body + str(check))
    for other in set(range(10)) - {check}:
        assert not identity.passes_legacy_checksum(body + str(other))
    assert identity.passes_legacy_checksum(f'{body[:6]}-{body[6:]}{check}')


def test_the_legacy_weights_are_2_to_9_then_2_to_5():
    assert identity._LEGACY_WEIGHTS == (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


@settings(deadline=None)
@given(st.text('0123456789', min_size=12, max_size=12), st.integers(0, 11), st.integers(1, 9))
def test_one_digit_changed_by_a_weighted_amount_moves_the_check_digit(body, position, step):
    # Weights 2..9 are prime to 11: changing one digit changes the sum's remainder, so the check digit
    # changes too except between the two remainders (0 and 10) that both give 1.
    digit = (int(body[position]) + step) % 10
    changed = body[:position] + str(digit) + body[position + 1:]

    def check_of(b):
        return next(c for c in range(10) if identity.passes_legacy_checksum(b + str(c)))

    def remainder(b):
        return sum(int(d) * w for d, w in zip(b, (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5))) % 11

    if {remainder(body), remainder(changed)} != {0, 10}:
        assert (check_of(body) == check_of(changed)) == (remainder(body) == remainder(changed))


# --- the forms fit to show

def test_the_mask_shows_birth_date_and_gender_digit_only():
    assert identity.mask('8805152345678') == '880515-2******'
    assert identity.mask('880515-2345678') == '880515-2******'
    assert error_of(identity.mask, '880515-234567') == BACK
    assert identity.birth_only('880515-2******') == '880515-*******'


@pytest.mark.parametrize('text, shown', [
    ('9001011234567', '900101-*******'), ('900101-1234567', '900101-*******'),
    ('a9001011234567b', 'a900101-*******b'), ('19001011234567', '19001011234567'),
    ('90010112345678', '90010112345678'), ('900101123456', '900101123456'), ('900101--1234567', '900101--1234567'),
])
def test_rrn_shaped_runs_in_text_are_masked_and_longer_or_shorter_runs_are_not(text, shown):
    assert identity.mask_in_text(text) == shown


@settings(deadline=None)
@given(st.dates(min_value=datetime.date(1800, 1, 1), max_value=datetime.date(2099, 12, 31)),
       st.sampled_from('0123456789'), st.text('0123456789', min_size=6, max_size=6))
def test_a_well_formed_number_is_taken_exactly_when_born_by_today(born, digit, tail):
    century = {'9': 1800, '0': 1800, '1': 1900, '2': 1900, '5': 1900, '6': 1900}.get(digit, 2000)
    rrn = f'{born:%y%m%d}{digit}{tail}'
    try:
        read = datetime.date(century + born.year % 100, born.month, born.day)
    except ValueError:  # 29 February of a year that is not a leap year in the digit's century
        assert error_of(identity.validate, rrn, TODAY) == BAD_DATE
        return
    if read > TODAY:
        assert error_of(identity.validate, rrn, TODAY) == FUTURE
    else:
        assert identity.validate(rrn, TODAY) == read
