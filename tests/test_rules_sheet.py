"""The lines of an operator's import file (pumasi/transfer/sheet.py) at their boundaries (issue 19):
header words, empty and header-only files, the line limit, formulas and control characters, repeats,
dates as Excel writes them and dates after today. Plain functions only: `make mutate` runs these."""
import io
from datetime import date, timedelta

import pytest
from openpyxl import Workbook

from pumasi.inputs import CONTROL_MESSAGE
from pumasi.records.errors import NotAllowed
from pumasi.records.readers import FORMULA_MESSAGE, Formula
from pumasi.transfer import sheet
from pumasi.transfer.sheet import Line

NAMES = {'아이디': 'username', '회원 아이디': 'username', '이름': 'name', '생년월일': 'birth', '비고': 'note'}
REQUIRED = {'username': '아이디', 'name': '이름'}
TODAY = date(2026, 11, 21)


def refused(call, *args):
    with pytest.raises(NotAllowed) as caught:
        call(*args)
    return caught.value.message


def lines_of(text, filename='members.csv'):
    return sheet.read_lines(text.encode(), filename, NAMES, REQUIRED)


def test_header_words_match_without_spaces_or_case():
    assert sheet.header_columns([' 회원아이디 ', '이 름', 'X', '비고'], NAMES, REQUIRED) == \
        ['username', 'name', None, 'note']
    assert sheet.header_columns(['ID', 'name'], {'id': 'username', 'NAME': 'name'}, REQUIRED) == ['username', 'name']


@pytest.mark.parametrize('header, missing', [(['이름'], '아이디'), (['아이디'], '이름'), (['비고'], '아이디, 이름')])
def test_a_header_without_a_required_column_is_refused_naming_each(header, missing):
    assert refused(sheet.header_columns, header, NAMES, REQUIRED) == f'첫 줄에 열 이름이 필요합니다. 빠진 열: {missing}'


@pytest.mark.parametrize('text', ['', '\n,\n', '아이디,이름\n', '아이디,이름\n , \n'])
def test_a_file_without_a_line_below_its_header_is_refused_as_empty(text):
    assert refused(lines_of, text) == '파일에 입력된 줄이 없습니다.'


def test_a_header_missing_a_column_is_told_before_the_file_is_called_empty():
    assert refused(lines_of, '이름\n').startswith('첫 줄에 열 이름이 필요합니다.')


@pytest.mark.parametrize('count, ok', [(2, True), (3, True), (4, False)])
def test_up_to_max_lines_are_read(monkeypatch, count, ok):
    monkeypatch.setattr(sheet, 'MAX_LINES', 3)
    text = '아이디,이름\n' + 'v,김\n' * count
    if ok:
        assert len(lines_of(text)) == count
    else:
        assert refused(lines_of, text) == '한 번에 최대 3줄까지 올릴 수 있습니다.'


def test_lines_keep_their_numbers_trimmed_cells_and_the_first_of_two_columns():
    lines = lines_of('아이디,이름,회원 아이디,모름\n v1 , 김 ,v9,x\n\nv2,이\n')
    assert [(line.number, line.cells, line.errors) for line in lines] == [
        (2, {'username': 'v1', 'name': '김'}, []), (4, {'username': 'v2', 'name': '이'}, [])]


def test_a_line_is_read_from_an_xlsx_by_its_name():
    assert refused(lines_of, '아이디,이름\nv,김\n', 'members.xlsx').startswith('엑셀 파일을 읽을 수 없습니다.')


def test_a_formula_marks_its_line_and_stays_as_written():
    line = sheet._marked(Line(2, {'username': 'v', 'name': Formula('=A1'), 'note': Formula('=B1')}))
    assert line.errors == [('name', FORMULA_MESSAGE)]
    assert line.cells['name'] == '=A1' and not line.ok


def test_a_control_character_blanks_its_cells_and_marks_the_first():
    line = sheet._marked(Line(3, {'username': 'v', 'name': '김\x00', 'note': '\x01'}))
    assert line.errors == [('name', CONTROL_MESSAGE)]
    assert line.cells == {'username': 'v', 'name': '', 'note': ''}


def test_a_clean_line_is_left_alone():
    line = sheet._marked(Line(4, {'username': 'v', 'name': '김'}))
    assert (line.errors, line.cells, line.ok) == ([], {'username': 'v', 'name': '김'}, True)


def test_a_line_that_repeats_an_earlier_ones_key_names_the_first():
    lines = [Line(n, {'username': u}) for n, u in [(2, 'a'), (3, 'b'), (4, 'a'), (5, ''), (6, ''), (7, 'a')]]
    sheet.same_as_before(lines, 'username', '아이디', lambda line: line.get('username') or None)
    assert [(line.number, line.errors) for line in lines if line.errors] == [
        (4, [('username', '2번째 줄과 아이디가 같습니다.')]), (7, [('username', '2번째 줄과 아이디가 같습니다.')])]


@pytest.mark.parametrize('cell, day', [('2026-11-21', date(2026, 11, 21)), ('2026/1/2', date(2026, 1, 2)),
                                       ('46347', date(2026, 11, 21)), (' 20261121 ', date(2026, 11, 21))])
def test_a_date_is_read_as_excel_writes_it(cell, day):
    line = Line(2, {'birth': cell})
    assert sheet.parse_day(line, 'birth', '생년월일') == day and line.errors == []


@pytest.mark.parametrize('cell', ['2026-13-01', '어제', '2026-1-2-3'])
def test_a_date_that_cannot_be_read_is_told_by_its_label(cell):
    line = Line(2, {'birth': cell})
    assert sheet.parse_day(line, 'birth', '생년월일') is None
    assert line.errors == [('birth', '생년월일 형식이 올바르지 않습니다. (예: 2026-11-21)')]


def test_an_empty_date_is_asked_for_only_when_required():
    line = Line(2, {})
    assert sheet.parse_day(line, 'birth', '생년월일') is None and line.errors == []
    assert sheet.parse_day(line, 'birth', '생년월일', required=True) is None
    assert line.errors == [('birth', '생년월일을 입력해 주세요.')]


@pytest.mark.parametrize('days, ok', [(-1, True), (0, True), (1, False)])
def test_today_is_taken_and_tomorrow_is_a_future_date(days, ok):
    line = Line(2, {})
    sheet.not_future(line, 'birth', '생년월일', TODAY + timedelta(days=days), TODAY)
    assert line.errors == ([] if ok else [('birth', '생년월일이 미래 날짜입니다.')])
    sheet.not_future(line, 'birth', '생년월일', None, TODAY)
    assert len(line.errors) == (0 if ok else 1)


def test_a_line_starts_clean_and_gives_empty_text_for_a_column_it_lacks():
    line = Line(2, {'name': '김'})
    assert (line.errors, line.action, line.found, line.note, line.values) == ([], '', None, '', None)
    assert (line.get('name'), line.get('birth'), line.ok) == ('김', '', True)
    line.error('name', '문제')
    assert line.errors == [('name', '문제')] and not line.ok
    assert sheet.earliest_birth() == date(1900, 1, 1)


def test_a_formula_in_an_xlsx_line_stays_a_formula_and_marks_the_line():
    book = Workbook()
    book.active.append(['아이디', '이름'])
    book.active.append([' v1 ', '=A2'])
    out = io.BytesIO()
    book.save(out)
    [line] = sheet.read_lines(out.getvalue(), 'members.xlsx', NAMES, REQUIRED)
    assert line.cells['username'] == 'v1' and isinstance(line.cells['name'], Formula)
    assert line.errors == [('name', FORMULA_MESSAGE)]


@pytest.mark.parametrize('cell, read', [
    ("'=A1", '=A1'), ("'+1", '+1'), ("'-1", '-1'), ("'@x", '@x'), ("'abc", "'abc"), ("'", "'"), ('', ''),
    ('=A1', '=A1'), ("''=x", "''=x"), ("x'=1", "x'=1"),
])
def test_an_exports_apostrophe_before_a_formula_sign_is_taken_off(cell, read):
    assert sheet.unquoted(cell) == read


def test_a_line_read_from_an_export_loses_the_apostrophe():
    [line] = lines_of("아이디,이름\nv,'=김\n")
    assert line.cells == {'username': 'v', 'name': '=김'} and line.ok
