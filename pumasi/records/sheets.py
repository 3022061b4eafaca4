"""Spreadsheets written for people to fill in and upload again: an .xlsx template whose columns keep
what is typed into them in the form the importers read (text stays text, so 010… keeps its 0)."""
import io

TEXT = "@"


def xlsx_template(title, columns, formats=None, width=16):
    """The bytes of an .xlsx with one sheet: a bold header of columns, frozen, and each column formatted
    as formats says (a number format such as 'yyyy-mm-dd'; text for every column not named)."""
    from openpyxl import Workbook  # only when a template is asked for
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    formats = formats or {}
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(columns))
    sheet.freeze_panes = "A2"
    for index, name in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet[f"{letter}1"].font = Font(bold=True)
        sheet.column_dimensions[letter].width = width
        sheet.column_dimensions[letter].number_format = formats.get(name, TEXT)
        for row in range(2, 1002):  # Excel applies a column's format to the cells typed into it
            sheet.cell(row=row, column=index).number_format = formats.get(name, TEXT)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
