"""The empty file of each kind of import, as .xlsx (columns formatted: text stays text, dates are
dates) or as CSV (UTF-8 with BOM, as Korean Excel opens it)."""
from ..records.exports import csv_text
from ..records.sheets import xlsx_template
from . import runs


def xlsx(kind):
    module = runs.KINDS[kind]
    return xlsx_template(runs.LABELS[kind], module.COLUMNS, module.FORMATS)


def csv(kind):
    return csv_text([runs.KINDS[kind].COLUMNS])
