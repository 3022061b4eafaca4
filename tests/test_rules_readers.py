"""Reading an uploaded daily-log file (issue 19): encodings, line numbers, the header's columns, how
Excel writes dates and times, and the line limit, at their boundaries. Plain functions only."""
import pytest

from pumasi.records import imports, readers
from pumasi.records.errors import NotAllowed

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
])
def test_excel_clock_cells_are_read_as_24_hour_times(cell, clock):
    assert imports._clock_cell(cell) == clock


@pytest.mark.parametrize('cell', ['오후 0:30', '오전 13:00', 'PM 0:00', '1:30 xm', '9:00:30', '930', '9시', 'x'])
def test_other_clock_cells_are_left_as_written_for_the_rules_to_refuse(cell):
    assert imports._clock_cell(cell) == cell.strip()


def test_an_empty_clock_or_date_cell_is_empty():
    assert imports._clock_cell(None) == '' and imports._date_cell(None) == ''
    assert imports._clock_cell('  ') == '' and imports._date_cell(' ') == ''


@pytest.mark.parametrize('cell, day', [
    ('2026-11-21', '2026-11-21'), ('2026/11/21', '2026-11-21'), ('2026.11.21', '2026-11-21'),
    ('2026. 11. 21.', '2026-11-21'), ('2026-1-2', '2026-01-02'), ('2026-11-21 0:00', '2026-11-21'),
    ('2026-11-21 00:00:00', '2026-11-21'), (' 2026/1/21 ', '2026-01-21'),
])
def test_excel_date_cells_are_read_as_iso_dates(cell, day):
    assert imports._date_cell(cell) == day


@pytest.mark.parametrize('cell', ['20261121', '2026-11-21 9:00', '26-11-21', '2026-11', '2026-111-21', 'x'])
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


def test_a_header_alone_gives_no_lines():
    assert imports.read_lines(HEADER.encode()) == []


@pytest.mark.parametrize('count, ok', [(1999, True), (2000, True), (2001, False)])
def test_up_to_2000_lines_are_read_at_once(count, ok):
    data = (HEADER + '2026-01-02,v,09:00,10:00\n' * count).encode()
    if ok:
        assert len(imports.read_lines(data)) == count
    else:
        assert refused(imports.read_lines, data) == '한 번에 최대 2,000줄까지 올릴 수 있습니다.'


def test_the_header_of_the_export_and_template_is_read_back():
    assert imports._columns(list(imports.COLUMNS)) == ['date', 'username', 'name', 'phone', 'start', 'end', 'minutes']
