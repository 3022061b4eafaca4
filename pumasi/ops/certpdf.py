"""The 확인서 as a PDF made on the server (fpdf2): A4, the Korean font embedded (ops.pdffont), the
number, the code and a QR code (segno) of the verification page's address, page numbers."""
import io

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ..records import hours
from . import pdffont

TITLE = "자원봉사활동 확인서"
STATEMENT = "위 사람은 위와 같이 자원봉사활동을 하였음을 확인합니다."
DATE_COLUMNS = (("활동일", 34), ("시작시간", 26), ("종료시간", 26), ("활동시간", 30), ("1365 연계", 54))
NEXT_LINE = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
GREY = (235, 235, 235)
ROW = 5.5  # mm: a line of the dates' table


class _Document(FPDF):
    def __init__(self, number):
        super().__init__(format="A4", unit="mm")
        self.number = number
        self.widths = {}
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=20)
        pdffont.add_to(self)
        self.set_font(pdffont.FAMILY, size=10)

    def footer(self):
        self.set_y(-14)
        self.set_font(pdffont.FAMILY, size=8)
        self.cell(0, 5, f"발급번호 {self.number}  ·  {self.page_no()} / {{nb}} 쪽", align="C")


def _date_text(day):
    """2026-05-03 -> 2026. 5. 3."""
    year, month, date = day.split("-")
    return f"{year}년 {month}월 {date}일"


def _state_text(entry):
    return f"{entry['state']} ({entry['code']})" if entry.get("code") is not None else entry["state"]


def _head(pdf, content, number, code):
    pdf.set_font(size=8)
    pdf.cell(0, 4, f"발급번호 {number}", align="R", **NEXT_LINE)
    pdf.cell(0, 4, f"확인코드 {code}", align="R", **NEXT_LINE)
    pdf.ln(4)
    pdf.set_font(size=20)
    pdf.cell(0, 12, TITLE, align="C", **NEXT_LINE)
    pdf.ln(4)
    pdf.set_font(size=10)
    with pdf.table(col_widths=(25, 60, 25, 60), line_height=7, first_row_as_headings=False) as table:
        row = table.row()
        row.cell("성명", style=_grey())
        row.cell(content["name"])
        row.cell("생년월일", style=_grey())
        row.cell(content["birth"] or "본인인증 전")
        row = table.row()
        row.cell("발급기관", style=_grey())
        row.cell(content["org"], colspan=3)
    pdf.ln(4)


def _grey():
    from fpdf.fonts import FontFace
    return FontFace(fill_color=GREY)


def _activity(pdf, index, activity):
    if pdf.will_page_break(24):
        pdf.add_page()
    pdf.set_font(size=11)
    _line(pdf, f"{index}. [{activity['category']}] {activity['title']}", 6)
    pdf.set_font(size=9)
    place = activity["site"] + (f" ({activity['location']})" if activity["location"] else "")
    period = f"{activity['start_date']} ~ {activity['end_date']}"
    _line(pdf, f"활동처 {place}  ·  활동기간 {period}  ·  활동시간 {hours.format_minutes(activity['minutes'])}", 5)
    pdf.ln(1)
    if not activity["dates"]:
        pdf.cell(0, 5, "상세봉사내역이 없습니다.", **NEXT_LINE)
    else:
        _date_rows(pdf, activity["dates"])
    pdf.ln(4)


def _line(pdf, text, height):
    """A line of text (pdf.text, cheap), or wrapped by multi_cell when it is wider than the page."""
    if pdf.get_string_width(text) > pdf.epw:
        pdf.multi_cell(0, height, text, **NEXT_LINE)
        return
    y = pdf.get_y()
    pdf.text(pdf.l_margin, y + height * 0.72, text)
    pdf.set_y(y + height)


def _width(pdf, text):
    """A table text's width, measured once per document (the dates' texts repeat)."""
    if text not in pdf.widths:
        pdf.widths[text] = pdf.get_string_width(text)
    return pdf.widths[text]


def _row(pdf, texts, fill=False):
    """One line of a dates' table: framed cells, each text centred (pdf.text and rect: fpdf2's cell()
    lays out each text as styled fragments, which made these rows most of the PDF's time)."""
    x, y = pdf.l_margin, pdf.get_y()
    for text, (_, width) in zip(texts, DATE_COLUMNS):
        pdf.rect(x, y, width, ROW, style="DF" if fill else "D")
        pdf.text(x + (width - _width(pdf, text)) / 2, y + ROW * 0.7, text)
        x += width
    pdf.set_y(y + ROW)


def _date_rows(pdf, dates):
    """The dates of an activity, one line each; the heading again at the top of a new page."""
    pdf.set_fill_color(*GREY)
    _row(pdf, [title for title, _ in DATE_COLUMNS], fill=True)
    for entry in dates:
        if pdf.will_page_break(ROW):
            pdf.add_page()
            _row(pdf, [title for title, _ in DATE_COLUMNS], fill=True)
        _row(pdf, (entry["date"], entry["start"], entry["end"], hours.format_minutes(entry["minutes"]),
                   _state_text(entry)))


def _qr_image(url):
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=4, border=4)
    buffer.seek(0)
    return buffer


def _end(pdf, content, verify_url, seal):
    if pdf.will_page_break(70):
        pdf.add_page()
    pdf.set_font(size=11)
    total = (f"합계: 활동 {len(content['activities'])}건 · {content['total_days']}일 · "
             f"총 {hours.format_minutes(content['total_minutes'])}")
    pdf.cell(0, 7, total, **NEXT_LINE)
    pdf.ln(6)
    pdf.cell(0, 7, STATEMENT, align="C", **NEXT_LINE)
    pdf.ln(3)
    pdf.cell(0, 7, f"발급일 {_date_text(content['issued_on'])}", align="C", **NEXT_LINE)
    pdf.ln(3)
    top = pdf.get_y()
    pdf.set_font(size=14)
    pdf.cell(0, 10, content["org"], align="C", **NEXT_LINE)
    if seal:
        width = pdf.get_string_width(content["org"])
        pdf.image(seal, x=pdf.w / 2 + width / 2 + 1, y=top - 4, w=18, h=18)
    pdf.ln(8)
    y = pdf.get_y()
    pdf.image(_qr_image(verify_url), x=pdf.l_margin, y=y, w=30, h=30)
    pdf.set_xy(pdf.l_margin + 34, y + 4)
    pdf.set_font(size=8)
    pdf.multi_cell(0, 4.5, "이 확인서의 진위는 QR 코드 또는 아래 주소에서 발급번호와 확인코드로 확인할 수 있습니다.\n"
                   + verify_url, **NEXT_LINE)


def render(content, number, code, verify_url, seal=None):
    """The PDF (bytes) of a certificate's content (ops.certificate.snapshot) as issued."""
    pdf = _Document(number)
    pdf.set_title(f"{TITLE} {number}")
    pdf.set_creator("pumasi")
    pdf.add_page()
    _head(pdf, content, number, code)
    for index, activity in enumerate(content["activities"], 1):
        _activity(pdf, index, activity)
    _end(pdf, content, verify_url, seal)
    return bytes(pdf.output())
