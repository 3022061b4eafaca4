"""Reading an uploaded daily-log file (issue 19): encodings, line numbers, the header's columns, how
Excel writes dates and times, and the line limit, at their boundaries. Plain functions only."""
import io
from dataclasses import dataclass
from types import SimpleNamespace
import zipfile
from datetime import date, datetime, time

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font

from pumasi.inputs import CONTROL_MESSAGE
from pumasi.records import imports, readers
from pumasi.records.dailylogs import LogInput
from pumasi.records.errors import NotAllowed
from pumasi.records.hours import LogError

UNREADABLE = "파일을 읽을 수 없습니다. CSV(UTF-8 또는 엑셀의 CSV) 형식으로 저장해 주세요."
HEADER = "활동일,회원아이디,시작시간,종료시간\n"


def refused(call, *args):
    with pytest.raises(NotAllowed) as caught:
        call(*args)
    return caught.value.message


# --- bytes to text

@pytest.mark.parametrize('data', ['활동일,이름'.encode('utf-8'), '\ufeff활동일,이름'.encode('utf-8'),
                                  '활동일,이름'.encode('cp949'), '\ufeff활동일,이름', '활동일,이름'])
def test_utf8_with_or_without_bom_and_cp949_read_alike(data):
    assert readers.decode_csv(data) == '활동일,이름'


def test_bytes_neither_utf8_nor_cp949_are_refused():
    assert refused(readers.decode_csv, b'\xff\xfe\xff') == UNREADABLE


def test_utf8_is_tried_before_cp949():
    # These bytes are valid in both: UTF-8 reads them as '한', CP949 as two other characters.
    assert readers.decode_csv('한'.encode('utf-8')) == '한'


# --- rows, numbered by the line they start on

def test_rows_are_numbered_by_their_first_line():
    data = 'a,b\n"two\nlines",c\nd,e\n\nf,g\n'.encode('utf-8')
    assert readers.csv_rows(data) == [(1, ['a', 'b']), (2, ['two\nlines', 'c']), (4, ['d', 'e']), (5, []), (6, ['f', 'g'])]


def test_a_file_the_csv_module_cannot_read_is_refused():
    assert refused(readers.csv_rows, b'a,b\n' + b'x' * 200_000 + b'\n') == UNREADABLE  # past csv's field limit


@pytest.mark.parametrize('name', ['logs.csv', 'LOGS.CSV', 'logs', '', None, 'logs.txt'])
def test_a_file_is_read_as_csv_by_its_name_or_when_its_kind_is_unknown(name):
    assert readers.read_rows(b'a,b\n', name) == [(1, ['a', 'b'])]


def test_a_readers_kind_is_chosen_by_the_names_extension(monkeypatch):
    monkeypatch.setitem(readers.READERS, '.tsv', lambda data: [(1, data.decode().split('\t'))])
    assert readers.read_rows(b'a\tb', 'x.TSV') == [(1, ['a', 'b'])]
    assert readers.read_rows(b'a\tb', 'x.csv') == [(1, ['a\tb'])]


# --- how Excel writes times and dates

@pytest.mark.parametrize('cell, clock', [
    ('9:00', '09:00'), ('09:00:00', '09:00'), (' 9:05 ', '09:05'), ('23:59', '23:59'),
    ('오전 9:30', '09:30'), ('오후 1:30:00', '13:30'), ('오전 12:00', '00:00'), ('오후 12:00', '12:00'),
    ('오전 1:00', '01:00'), ('오후 11:59', '23:59'), ('9:00 AM', '09:00'), ('1:15 pm', '13:15'),
    ('12:30 PM', '12:30'), ('12:30 AM', '00:30'), ('am 12:05', '00:05'),
    ('9시', '09:00'), ('9시 30분', '09:30'), ('09시30분', '09:30'), ('오후 2시', '14:00'), ('오후 2시 5분', '14:05'),
    ('오전 12시', '00:00'), ('오후 12시 59분', '12:59'), ('24시', '24:00'), (' 13 시 ', '13:00'),
])
def test_excel_clock_cells_are_read_as_24_hour_times(cell, clock):
    assert imports._clock_cell(cell) == clock


@pytest.mark.parametrize('cell', ['오후 0:30', '오전 13:00', 'PM 0:00', '1:30 xm', '9:00:30', '930', 'x',
                                  '9시 60분', '오후 13시', '오전 0시', '9시 30', '시', '9 30분', '123시'])
def test_other_clock_cells_are_left_as_written_for_the_rules_to_refuse(cell):
    assert imports._clock_cell(cell) == cell.strip()


def test_an_empty_clock_or_date_cell_is_empty():
    assert imports._clock_cell(None) == '' and imports._date_cell(None) == ''
    assert imports._clock_cell('  ') == '' and imports._date_cell(' ') == ''


@pytest.mark.parametrize('cell, day', [
    ('2026-11-21', '2026-11-21'), ('2026/11/21', '2026-11-21'), ('2026.11.21', '2026-11-21'),
    ('2026. 11. 21.', '2026-11-21'), ('2026-1-2', '2026-01-02'), ('2026-11-21 0:00', '2026-11-21'),
    ('2026-11-21 00:00:00', '2026-11-21'), (' 2026/1/21 ', '2026-01-21'),
    ('2026년 11월 21일', '2026-11-21'), ('2026년11월2일', '2026-11-02'), ('2026년 3월 5일 목요일', '2026-03-05'),
    ('2026-03-05 (목)', '2026-03-05'), ('2026.3.5(목)', '2026-03-05'), ('2026. 3. 5. 목', '2026-03-05'),
])
def test_excel_date_cells_are_read_as_iso_dates(cell, day):
    assert imports._date_cell(cell) == day


@pytest.mark.parametrize('cell', ['20261121', '2026-11-21 9:00', '26-11-21', '2026-11', '2026-111-21', 'x',
                                  '3월 5일', '2026년 3월', '2026-03-05 (x)', '2026-03-05 목목'])
def test_other_date_cells_are_left_as_written(cell):
    assert imports._date_cell(cell) == cell


# --- the header

def test_the_header_names_each_column_in_any_of_its_words_spacing_or_case():
    assert imports._columns(['날짜', ' ID ', '시작', '종료', '인정 시간', '비고']) == \
        ['date', 'username', 'start', 'end', 'minutes', None]
    assert imports._columns(['봉사일', '성명', '휴대 전화', '시작시간', '종료시간']) == \
        ['date', 'name', 'phone', 'start', 'end']


@pytest.mark.parametrize('header, missing', [
    (['회원아이디', '시작시간', '종료시간'], '활동일'),
    (['활동일', '회원아이디', '종료시간'], '시작시간'),
    (['활동일', '회원아이디', '시작시간'], '종료시간'),
    (['활동일', '이름', '시작시간', '종료시간'], '회원아이디(또는 이름과 연락처)'),
    (['활동일', '연락처', '시작시간', '종료시간'], '회원아이디(또는 이름과 연락처)'),
    (['비고'], '활동일, 시작시간, 종료시간, 회원아이디(또는 이름과 연락처)'),
])
def test_a_header_missing_a_column_is_refused_naming_it(header, missing):
    assert refused(imports._columns, header) == f'첫 줄에 열 이름이 필요합니다. 빠진 열: {missing}'


def test_name_and_phone_may_stand_for_the_user_name():
    assert imports._columns(['활동일', '이름', '연락처', '시작시간', '종료시간'])[1:3] == ['name', 'phone']


# --- lines: blank ones skipped, cells trimmed, the first of two same columns kept, at most 2,000

def test_lines_keep_their_numbers_and_trimmed_cells():
    data = (HEADER + ' 2026-01-02 , vol1 ,09:00,10:00,extra\n,,,\n\n2026-01-03,vol2,9:00,10:00\n').encode()
    assert imports.read_lines(data) == [
        ({'date': '2026-01-02', 'username': 'vol1', 'start': '09:00', 'end': '10:00'}, 2),
        ({'date': '2026-01-03', 'username': 'vol2', 'start': '9:00', 'end': '10:00'}, 5)]


def test_the_first_of_two_columns_of_the_same_meaning_is_kept():
    data = '활동일,날짜,아이디,시작,종료\n2026-01-02,2027-01-01,v,09:00,10:00\n'.encode()
    assert imports.read_lines(data)[0][0]['date'] == '2026-01-02'


@pytest.mark.parametrize('data', [b'', b'\n\n', b' , \n'])
def test_a_file_without_a_line_is_refused(data):
    assert refused(imports.read_lines, data) == '파일에 입력된 줄이 없습니다.'


def test_a_header_alone_is_refused_as_empty():
    assert refused(imports.read_lines, HEADER.encode()) == '파일에 입력된 줄이 없습니다.'
    assert refused(imports.read_lines, (HEADER + ' , , \n').encode()) == '파일에 입력된 줄이 없습니다.'
    assert imports.read_lines((HEADER + '2026-01-02,v,09:00,10:00\n').encode()) == [
        ({'date': '2026-01-02', 'username': 'v', 'start': '09:00', 'end': '10:00'}, 2)]


def test_a_header_missing_a_column_is_refused_before_the_file_is_called_empty():
    assert refused(imports.read_lines, '활동일\n'.encode()).startswith('첫 줄에 열 이름이 필요합니다.')


@pytest.mark.parametrize('count, ok', [(1999, True), (2000, True), (2001, False)])
def test_up_to_2000_lines_are_read_at_once(count, ok):
    data = (HEADER + '2026-01-02,v,09:00,10:00\n' * count).encode()
    if ok:
        assert len(imports.read_lines(data)) == count
    else:
        assert refused(imports.read_lines, data) == '한 번에 최대 2,000줄까지 올릴 수 있습니다.'


def test_the_header_of_the_export_and_template_is_read_back():
    assert imports._columns(list(imports.COLUMNS)) == ['date', 'username', 'name', 'phone', 'start', 'end', 'minutes']


# --- .xlsx: Excel's values as the text a CSV would hold, files that are not workbooks

def workbook(*sheets):
    """The bytes of an .xlsx with these sheets (lists of rows), written by openpyxl in memory."""
    book = Workbook()
    book.remove(book.active)
    for rows in sheets:
        sheet = book.create_sheet()
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize('value, text', [
    (None, ''), (True, 'TRUE'), (False, 'FALSE'), (' 김민준 ', '김민준'), (7, '7'), (3.0, '3'), (3.5, '3.5'),
    (date(2026, 11, 21), '2026-11-21'), (time(9, 30), '09:30'), (time(9, 30, 15), '09:30:15'),
    (datetime(2026, 11, 21), '2026-11-21'), (datetime(2026, 11, 21, 9, 5), '2026-11-21 09:05'),
    (datetime(1899, 12, 30, 13, 0), '13:00'), (datetime(1900, 12, 31, 8, 0), '08:00'),
    (datetime(1901, 1, 1), '1901-01-01'), (datetime(1901, 1, 1, 8, 0), '1901-01-01 08:00'),
])
def test_excel_values_are_read_as_the_text_a_csv_holds(value, text):
    assert readers.cell_text(value) == text


@pytest.mark.parametrize('value, text', [
    (time(0, 0), '00:00'), (time(23, 59, 59), '23:59:59'), (time(9, 29, 59, 500000), '09:30'),
    (time(9, 29, 59, 499999), '09:29:59'), (time(23, 59, 59, 500000), '24:00'), (time(10, 0, 1), '10:00:01'),
])
def test_an_excel_time_is_rounded_to_the_second_and_midnight_after_is_24(value, text):
    assert readers._clock(value) == text


def test_a_formula_cell_is_read_as_a_formula_and_found():
    class Cell:
        def __init__(self, value, data_type):
            self.value, self.data_type = value, data_type
    formula = readers._cell(Cell('=A1+1', 'f'))
    assert isinstance(formula, readers.Formula) and formula == '=A1+1'
    assert not isinstance(readers._cell(Cell('=A1+1', 's')), readers.Formula)
    assert readers._cell(Cell(3.0, 'n')) == '3'
    assert readers.formula_keys({'a': formula, 'b': '=x', 'c': readers.Formula('=B2')}) == ['a', 'c']


def test_a_workbooks_first_sheet_is_read_with_row_numbers_and_no_trailing_empty_cells():
    data = workbook([('활동일', '이름', None), (date(2026, 1, 2), '김', None), (None, None), ('x',)],
                    [('other sheet',)])
    rows = readers.xlsx_rows(data)
    assert rows[:2] == [(1, ['활동일', '이름']), (2, ['2026-01-02', '김'])]
    assert rows[-1] == (4, ['x'])
    assert readers.read_rows(data, 'logs.csv') == rows  # a zip is a workbook whatever its name
    assert readers.read_rows(data, '') == rows


@pytest.mark.parametrize('data, message', [
    (b'a,b\n', readers.XLSX_MESSAGE), ('a,b', readers.XLSX_MESSAGE), (b'PK\x03\x04broken', readers.XLSX_MESSAGE),
    (b'\xd0\xcf\x11\xe0old', readers.XLS_MESSAGE),
])
def test_a_file_named_xlsx_that_is_no_workbook_is_refused(data, message):
    assert refused(readers.read_rows, data, 'logs.xlsx') == message
    assert refused(readers.xlsx_rows, data) == message


def test_an_old_xls_is_refused_whatever_its_name():
    assert refused(readers.read_rows, b'\xd0\xcf\x11\xe0old', 'logs.csv') == readers.XLS_MESSAGE


def test_a_workbook_is_refused_when_it_unpacks_past_the_limit(monkeypatch):
    data = workbook([('a',)])
    size = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    monkeypatch.setattr(readers, 'XLSX_UNPACKED_LIMIT', size)
    assert readers.xlsx_rows(data) == [(1, ['a'])]
    monkeypatch.setattr(readers, 'XLSX_UNPACKED_LIMIT', size - 1)
    assert refused(readers.xlsx_rows, data) == readers.XLSX_MESSAGE
    assert readers.XLSX_UNPACKED_LIMIT != 200 * 1024 * 1024
    monkeypatch.undo()
    assert readers.XLSX_UNPACKED_LIMIT == 200 * 1024 * 1024


# --- a line's volunteer: by 회원아이디, or by name and phone; and what a line becomes

@dataclass
class Person:
    name: str


@dataclass
class Joined:
    id: int
    volunteer: Person


KIM, KIM2, LEE = Joined(1, Person('김민준')), Joined(2, Person('김민준')), Joined(3, Person('이서연'))
BY_USERNAME = {'vol1': KIM, 'vol3': LEE}
BY_NAME_PHONE = {('김민준', '01012345678'): [KIM, KIM2], ('이서연', '01055556666'): [LEE]}
WHO = '회원아이디 또는 이름과 연락처를 입력해 주세요.'


def resolve(**cells):
    return imports._resolve(cells, BY_USERNAME, BY_NAME_PHONE)


def volunteer_error(**cells):
    with pytest.raises(LogError) as caught:
        resolve(**cells)
    assert caught.value.field == 'volunteer'
    return caught.value.message


def test_a_line_finds_its_volunteer_by_user_name_as_log_in_compares_names():
    assert resolve(username='vol1') is KIM
    assert resolve(username='ＶＯＬ1', name='이서연', phone='010-5555-6666') is KIM  # the user name wins
    assert volunteer_error(username='vol9') == "이 활동에 등록된 봉사자 중 'vol9'를 찾을 수 없습니다."


def test_a_line_without_a_user_name_finds_one_volunteer_by_name_and_phone_digits():
    assert resolve(name='이서연', phone='010-5555-6666') is LEE
    assert resolve(username='', name='이서연', phone='01055556666') is LEE
    assert volunteer_error(name='김민준', phone='010-1234-5678') == \
        '이름과 연락처가 같은 봉사자가 여럿입니다. 회원아이디로 입력해 주세요.'
    assert volunteer_error(name='박지호', phone='010-1234-5678') == \
        "이 활동에 등록된 봉사자 중 '박지호'를 찾을 수 없습니다."


@pytest.mark.parametrize('cells', [{}, {'name': '이서연'}, {'phone': '010-5555-6666'},
                                   {'name': '이서연', 'phone': '---'}, {'name': '', 'phone': '01055556666'}])
def test_a_line_naming_nobody_asks_for_a_user_name_or_name_and_phone(cells):
    assert volunteer_error(**cells) == WHO


def test_a_good_line_becomes_a_row_of_its_participation_in_the_rules_forms():
    cells = {'username': 'vol3', 'date': '2026/1/2', 'start': '오후 1:00', 'end': '14:30:00', 'minutes': '60'}
    line = imports._line(cells, 7, BY_USERNAME, BY_NAME_PHONE)
    assert (line.number, line.ok, line.volunteer, line.errors) == (7, True, LEE.volunteer, [])
    assert line.row == LogInput(3, '2026-01-02', '13:00', '14:30', '60')
    bare = imports._line({'username': 'vol3'}, 8, BY_USERNAME, BY_NAME_PHONE)
    assert bare.row == LogInput(3, '', '', '', '')


def test_a_line_with_a_formula_or_a_control_character_is_refused_unread():
    formula = {'username': 'vol3', 'date': readers.Formula('=TODAY()'), 'start': '09:00'}
    line = imports._line(formula, 2, BY_USERNAME, BY_NAME_PHONE)
    assert (line.row, line.errors) == (None, [LogError('date', readers.FORMULA_MESSAGE)])
    assert line.cells == formula
    control = {'username': 'vol3', 'date': '2026-01-02', 'start': '09:\x0000', 'end': '1\x01'}
    line = imports._line(control, 3, BY_USERNAME, BY_NAME_PHONE)
    assert (line.row, line.errors) == (None, [LogError('start', CONTROL_MESSAGE)])
    assert line.cells == {'username': 'vol3', 'date': '2026-01-02', 'start': '', 'end': ''}
    assert not line.ok


def test_a_line_whose_volunteer_is_not_found_keeps_its_cells_and_says_why():
    line = imports._line({'username': 'nobody', 'date': 'x'}, 4, BY_USERNAME, BY_NAME_PHONE)
    assert (line.row, line.volunteer, line.cells) == (None, None, {'username': 'nobody', 'date': 'x'})
    assert line.errors == [LogError('volunteer', "이 활동에 등록된 봉사자 중 'nobody'을(를) 찾을 수 없습니다.")]


# --- more of Excel: a General cell's day number or fraction of a day, gaps, styled empty cells, formulas

@pytest.mark.parametrize('cell, clock', [('0.375', '09:00'), ('.5', '12:00'), ('0.7395833', '17:45'),
                                         ('0.0104166', '00:15'), ('0.0006944', '00:01'), ('0.99999', '24:00')])
def test_a_fraction_of_a_day_is_read_as_its_clock_time(cell, clock):
    assert readers.excel_clock(cell) == clock


@pytest.mark.parametrize('cell, day', [('46347', '2026-11-21'), ('10000', '1927-05-18'), ('46348', '2026-11-22')])
def test_a_day_number_is_read_as_its_date_from_excels_epoch(cell, day):
    assert readers.excel_date(cell) == day


def test_rows_of_a_sheet_keep_their_numbers_across_gaps_and_drop_trailing_empty_cells():
    book = Workbook()
    sheet = book.active
    sheet['A1'] = 'a'
    sheet['C1'].font = Font(bold=True)  # a styled cell with no value: an empty cell at the end
    sheet['A4'] = 'x'
    sheet['B6'] = '=1+1'
    sheet['A8'], sheet['B8'] = 'tail', ''
    sheet['C8'].font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    rows = readers.xlsx_rows(out.getvalue())
    assert rows == [(1, ['a']), (2, []), (3, []), (4, ['x']), (5, []), (6, ['', '=1+1']), (7, []), (8, ['tail'])]
    assert isinstance(rows[5][1][1], readers.Formula)


def test_a_sheet_that_starts_below_the_first_row_counts_from_one():
    book = Workbook()
    book.active['B2'] = 'b'
    out = io.BytesIO()
    book.save(out)
    assert readers.xlsx_rows(out.getvalue()) == [(1, []), (2, ['', 'b'])]


def test_a_cell_without_a_data_type_is_read_as_its_value():
    assert readers._cell(SimpleNamespace(value=3.0)) == '3'


def test_a_workbook_that_breaks_while_read_is_refused_with_the_message(monkeypatch):
    data = workbook([('a',)])

    def broken(cell):
        raise ValueError('a cell openpyxl cannot read')
    monkeypatch.setattr(readers, '_cell', broken)
    assert refused(readers.xlsx_rows, data) == readers.XLSX_MESSAGE


def test_text_is_taken_as_it_is_and_only_a_leading_bom_dropped():
    assert readers.decode_csv('X,Y\ufeff') == 'X,Y\ufeff'
    assert readers.decode_csv('\ufeff\ufeffX') == 'X'


def test_line_ends_inside_quoted_cells_are_kept_and_a_cr_alone_ends_a_line():
    assert readers.csv_rows(b'a,"x\r\ny"\r\nb,c\r\n') == [(1, ['a', 'x\r\ny']), (3, ['b', 'c'])]
    assert readers.csv_rows(b'a,b\rc,d\r') == [(1, ['a', 'b']), (2, ['c', 'd'])]


def test_a_formula_cell_stays_a_formula_in_a_line_and_other_cells_are_trimmed():
    book = Workbook()
    book.active.append(['활동일', '회원아이디', '시작시간', '종료시간'])
    book.active.append(['=TODAY()', ' vol1 ', '09:00', '10:00'])
    out = io.BytesIO()
    book.save(out)
    [(cells, number)] = imports.read_lines(out.getvalue(), 'logs.xlsx')
    assert number == 2 and cells['username'] == 'vol1'
    assert isinstance(cells['date'], readers.Formula) and cells['date'] == '=TODAY()'


def test_a_file_named_xlsx_is_read_as_a_workbook_by_read_lines():
    assert refused(imports.read_lines, (HEADER + '2026-01-02,v,09:00,10:00\n').encode(), 'logs.xlsx') == \
        readers.XLSX_MESSAGE


def test_a_header_of_name_and_phone_alone_lacks_the_date_and_times_only():
    assert refused(imports._columns, ['이름', '연락처']) == '첫 줄에 열 이름이 필요합니다. 빠진 열: 활동일, 시작시간, 종료시간'


def test_a_line_finds_its_volunteer_by_name_and_phone_too():
    line = imports._line({'name': '이서연', 'phone': '010-5555-6666', 'date': '2026-01-02'}, 2,
                         BY_USERNAME, BY_NAME_PHONE)
    assert line.row.participation_id == 3 and line.volunteer is LEE.volunteer


def test_a_file_with_an_rrn_in_any_cell_is_refused_naming_its_first_line():
    rows = [(1, ['이름', '비고']), (2, ['김', '전화 01012345678']), (4, ['이', 'x 900101-1234567']), (5, ['8805152345678'])]
    assert refused(readers.refuse_rrns, rows) == readers.RRN_MESSAGE.format(number=4)
    assert readers.refuse_rrns(rows[:2]) is None
    assert readers.refuse_rrns([(1, ['90010112345678', '900101123456'])]) is None  # 14 and 12 digits: no RRN


# --- a limit: the rows holding something, and a file past it refused as soon as it passes it

@pytest.mark.parametrize('count, ok', [(2, True), (3, True), (4, False)])
def test_with_a_limit_only_rows_holding_something_are_counted_and_kept(count, ok):
    data = ('h\n\n , \n' + 'x\n\n' * count).encode()
    if ok:
        assert readers.read_rows(data, 'a.csv', 3) == [(1, ['h'])] + [(4 + 2 * n, ['x']) for n in range(count)]
    else:
        assert refused(readers.read_rows, data, 'a.csv', 3) == '한 번에 최대 3줄까지 올릴 수 있습니다.'
    sheet = workbook([('h',), ('',), *[('x',), (' ',)] * count])
    if ok:
        assert readers.read_rows(sheet, 'a.xlsx', 3) == [(1, ['h'])] + [(3 + 2 * n, ['x']) for n in range(count)]
    else:
        assert refused(readers.read_rows, sheet, 'a.xlsx', 3) == '한 번에 최대 3줄까지 올릴 수 있습니다.'


def test_a_file_past_the_limit_is_not_read_further(monkeypatch):
    """What follows the limit is never read: a row there that cannot be read is not met (without a
    limit it is), so an .xlsx of a million rows (64 KB unpack to 200,000) stops at the limit."""
    csv_data = b'h\nx\nx\n' + b'y' * 200_000 + b'\n'  # past the csv module's field limit
    assert refused(readers.read_rows, csv_data, 'a.csv', 1) == '한 번에 최대 1줄까지 올릴 수 있습니다.'
    assert refused(readers.read_rows, csv_data, 'a.csv') == UNREADABLE
    assert refused(readers.read_rows, csv_data, 'a.csv', 3) == UNREADABLE
    real = readers._cell

    def broken(cell):
        if cell.value == 'boom':
            raise ValueError('a cell openpyxl cannot read')
        return real(cell)
    monkeypatch.setattr(readers, '_cell', broken)
    sheet = workbook([('h',), ('x',), ('x',), ('boom',)])
    assert refused(readers.read_rows, sheet, 'a.xlsx', 1) == '한 번에 최대 1줄까지 올릴 수 있습니다.'
    assert refused(readers.read_rows, sheet, 'a.xlsx', 3) == readers.XLSX_MESSAGE
    assert refused(readers.xlsx_rows, sheet) == readers.XLSX_MESSAGE


@pytest.mark.parametrize('empty, ok', [(2, True), (3, True), (4, False)])
def test_with_a_limit_at_most_so_many_empty_rows_are_read(monkeypatch, empty, ok):
    """14 KB of .xlsx unpack to a million empty rows (6 s to read): past EMPTY_ROWS_ALLOWED of them the
    file is refused, wherever they are."""
    assert readers.EMPTY_ROWS_ALLOWED == 10_000
    monkeypatch.setattr(readers, 'EMPTY_ROWS_ALLOWED', 3)
    for data, name in ((('h\n' + ' , \n' * empty + 'x\n').encode(), 'a.csv'),
                       (workbook([('h',), *[(' ',)] * empty, ('x',)]), 'a.xlsx')):
        if ok:
            assert [cells for _, cells in readers.read_rows(data, name, 5)] == [['h'], ['x']], name
        else:
            assert refused(readers.read_rows, data, name, 5) == readers.EMPTY_ROWS_MESSAGE, name


def test_read_for_so_many_lines_a_workbook_may_unpack_only_so_far(monkeypatch):
    """34 KB of .xlsx holding one row of a million cells unpack to 15 MB (11 s, 550 MB to read):
    read for at most limit lines, an .xlsx may unpack to 1 MB and XLSX_UNPACKED_PER_LINE a line."""
    assert readers.unpacked_limit(2000) == 1024 * 1024 + 2000 * 2048
    assert readers.unpacked_limit(200_000) == readers.XLSX_UNPACKED_LIMIT == 200 * 1024 * 1024
    data = workbook([('h',), ('x',)])
    size = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    monkeypatch.setattr(readers, 'XLSX_UNPACKED_PER_LINE', size - 1024 * 1024)  # read for 1 line: size
    assert readers.read_rows(data, 'a.xlsx', 1) == [(1, ['h']), (2, ['x'])]
    monkeypatch.setattr(readers, 'XLSX_UNPACKED_PER_LINE', size - 1024 * 1024 - 1)
    assert refused(readers.read_rows, data, 'a.xlsx', 1) == readers.XLSX_MESSAGE
    assert readers.read_rows(data, 'a.xlsx') == [(1, ['h']), (2, ['x'])]  # no limit: XLSX_UNPACKED_LIMIT
