"""Tests for the RRN rules and the vault."""
import datetime
import pickle

import pytest
from hypothesis import given, strategies as st

from pumasi.identity import rrn as identity
from pumasi.identity.rrn import RRNError
from pumasi.identity.vault import Vault, VaultError

TODAY = datetime.date(2024, 5, 1)
DEMO_NUMBERS = ['9001011234567', '8805152345678', '0203044567890']
KEY = Vault.generate_key()
VAULT = Vault([KEY])


def error_of(call, *args):
    with pytest.raises(RRNError) as caught:
        call(*args)
    return str(caught.value), caught.value.field


@pytest.mark.parametrize('args', [
    ('900101', '1234567'),
    (' 900101 ', ' 1234567'),
    ('9001011234567',),
    ('900101-1234567',),
    (' 900101 - 1234567 ',),
    ('９００１０１', '１２３４５６７'),       # a Korean IME in full-width mode (전각)
    ('９００１０１－１２３４５６７',),
    ('900101–1234567',),                  # a word processor's dash, pasted
])
def test_parse_accepts_form_parts_and_one_string(args):
    assert identity.parse(*args) == '9001011234567'


@pytest.mark.parametrize('args, field', [
    (('90010', '1234567'), 'front'),
    (('9001a1', '1234567'), 'front'),
    (('', '1234567'), 'front'),
    ((None, '1234567'), 'front'),
    (('900101', '123456'), 'back'),
    (('900101', '12345678'), 'back'),
    (('900101', ''), 'back'),
    (('９００１０ａ', '1234567'), 'front'),
    (('900101', '١٢٣٤٥٦٧'), 'back'),
    (('900101', '²234567'), 'back'),
    (('900101123456',), 'back'),
    (('9001',), 'front'),
    (('900101-1234-567',), 'back'),
    (('9' * 1000,), 'front'),
    (('900101', '1' * 10 ** 6), 'back'),
])
def test_parse_rejects_with_the_fields_message(args, field):
    message = identity.FRONT_MESSAGE if field == 'front' else identity.BACK_MESSAGE
    assert error_of(identity.parse, *args) == (message, field)
    assert message in ('주민등록번호 앞 6자리를 숫자로 입력해 주세요.', '주민등록번호 뒤 7자리를 숫자로 입력해 주세요.')


@pytest.mark.parametrize('rrn, born', [
    ('9001011234567', datetime.date(1990, 1, 1)),
    ('9001012234567', datetime.date(1990, 1, 1)),
    ('9001015234567', datetime.date(1990, 1, 1)),
    ('9001016234567', datetime.date(1990, 1, 1)),
    ('0203043234567', datetime.date(2002, 3, 4)),
    ('0203044567890', datetime.date(2002, 3, 4)),
    ('0203047234567', datetime.date(2002, 3, 4)),
    ('0203048234567', datetime.date(2002, 3, 4)),
    ('9912319234567', datetime.date(1899, 12, 31)),
    ('9912310234567', datetime.date(1899, 12, 31)),
    ('0002293234567', datetime.date(2000, 2, 29)),
    ('240501-4234567', TODAY),
])
def test_validate_returns_the_birth_date_by_century_digit(rrn, born):
    assert identity.validate(rrn, TODAY) == born


def test_1900_is_not_a_leap_year():
    assert error_of(identity.validate, '0002291234567', TODAY) == ('주민등록번호의 생년월일이 올바르지 않습니다.', 'front')


@pytest.mark.parametrize('rrn', ['9902301234567', '9013011234567', '9000011234567', '9001001234567'])
def test_impossible_dates_are_rejected(rrn):
    assert error_of(identity.validate, rrn, TODAY) == ('주민등록번호의 생년월일이 올바르지 않습니다.', 'front')


@pytest.mark.parametrize('rrn', ['2405023234567', '3001013234567'])
def test_future_birth_dates_are_rejected(rrn):
    assert error_of(identity.validate, rrn, TODAY) == ('주민등록번호의 생년월일이 미래일 수 없습니다.', 'front')


def test_validate_reports_format_errors_too():
    assert error_of(identity.validate, '900101-12345', TODAY)[1] == 'back'


def test_every_decimal_digit_is_a_century_digit():
    # 1-8 for 1900s/2000s and 9/0 for 1800s leave no digit for the bad-digit message.
    for digit in '0123456789':
        assert identity.validate(f'200101{digit}234567', TODAY).year in (1820, 1920, 2020)


@pytest.mark.parametrize('rrn', DEMO_NUMBERS)
def test_demo_numbers_are_valid_but_fail_the_legacy_checksum(rrn):
    identity.validate(rrn, TODAY)
    assert not identity.passes_legacy_checksum(rrn)


def test_legacy_checksum_accepts_a_number_with_the_old_check_digit():
    body = '900101123456'
    total = sum(int(d) * w for d, w in zip(body, (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)))
    check = (11 - total % 11) % 10
    assert identity.passes_legacy_checksum(body + str(check))
    assert not identity.passes_legacy_checksum(body + str((check + 1) % 10))


def test_mask_and_the_birth_date_alone():
    assert identity.mask('9001011234567') == '900101-1******'
    assert identity.mask('900101-1234567') == '900101-1******'
    # The certificate's 생년월일 (identity.birth7, never used but by this test, is gone: issue 13).
    assert identity.birth_only('900101-1******') == '900101-*******'
    assert identity.mask_in_text('rrn 9001011234567, 880515-2345678') == 'rrn 900101-*******, 880515-*******'


@st.composite
def valid_rrns(draw):
    born = draw(st.dates(min_value=datetime.date(1800, 1, 1), max_value=TODAY))
    digits = {18: '90', 19: '1256', 20: '3478'}[born.year // 100]
    tail = draw(st.text('0123456789', min_size=6, max_size=6))
    return f'{born:%y%m%d}{draw(st.sampled_from(digits))}{tail}', born


@given(valid_rrns())
def test_every_valid_rrn_is_accepted_round_trips_and_masks_its_tail(case):
    rrn, born = case
    assert identity.validate(rrn, TODAY) == born
    assert identity.parse(rrn[:6], rrn[6:]) == rrn
    token = VAULT.encrypt(rrn)
    assert rrn not in token
    assert VAULT.decrypt(token) == rrn
    masked = identity.mask(rrn)
    assert masked == f'{rrn[:6]}-{rrn[6]}******'
    assert masked == identity.mask(rrn[:7] + '000000')  # the last six digits leave no trace


@given(st.text(max_size=50), st.one_of(st.none(), st.text(max_size=50)))
def test_random_text_raises_only_rrn_error(front, back):
    try:
        identity.validate(identity.parse(front, back), TODAY)
    except RRNError as error:
        assert error.field in ('front', 'back')


def test_vault_rotation():
    k1, k2 = Vault.generate_key(), Vault.generate_key()
    token = Vault([k1]).encrypt('9001011234567')
    rotated = Vault([k2, k1]).rotate(token)
    assert Vault([k2]).decrypt(rotated) == '9001011234567'
    with pytest.raises(VaultError):
        Vault([k1]).decrypt(rotated)
    assert Vault([k2, k1]).needs_rotation(token)
    assert not Vault([k2, k1]).needs_rotation(rotated)
    with pytest.raises(VaultError):
        Vault([Vault.generate_key()]).needs_rotation(token)


def test_vault_rejects_tampered_and_foreign_tokens():
    token = VAULT.encrypt('9001011234567')
    tampered = token[:-6] + ('A' if token[-6] != 'A' else 'B') + token[-5:]
    for bad in [tampered, '', 'not a token', '토큰', None, Vault([Vault.generate_key()]).encrypt('9001011234567')]:
        with pytest.raises(VaultError):
            VAULT.decrypt(bad)
        with pytest.raises(VaultError):
            VAULT.rotate(bad)


def test_vault_keys_are_checked_and_never_shown():
    with pytest.raises(ValueError, match='at least one key'):
        Vault([])
    with pytest.raises(ValueError, match='key #2 is malformed') as caught:
        Vault([KEY, 'short'])
    assert 'short' not in str(caught.value)
    with pytest.raises(ValueError, match='list of keys'):
        Vault(KEY)
    assert KEY not in repr(VAULT) and KEY not in str(VAULT)
    with pytest.raises(TypeError):
        pickle.dumps(VAULT)


def test_vault_from_setting():
    k1, k2 = Vault.generate_key(), Vault.generate_key()
    old = Vault([k2]).encrypt('9001011234567')
    vault = Vault.from_setting(f' {k1},\n {k2} ')
    assert repr(vault) == '<Vault keys=2>'
    assert Vault([k1]).decrypt(vault.encrypt('8805152345678')) == '8805152345678'
    assert vault.decrypt(old) == '9001011234567'
    with pytest.raises(ValueError):
        Vault.from_setting(' , ')
