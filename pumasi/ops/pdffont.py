"""The Korean font of the PDFs the server makes: NanumGothic (SIL OFL 1.1, pumasi/fonts/, unmodified),
embedded and subset by fpdf2 to the letters a document uses.

fpdf2 parses a TrueType file on every `add_font` (cmap, widths: about 0.25 s for NanumGothic's 20,138
glyphs) and subsets the font program in place when it writes the PDF. So the parsed metrics are
kept per process, and each document gets them with a fresh, lazily read font program of its own
(from the file's bytes, also kept), with its glyph order given rather than rebuilt from the cmap.
This leans on fpdf2's TTFFont (its __slots__), which is why fpdf2 is pinned; tests/test_certificate.py
reads the embedded font back from a PDF made this way."""
import io
import logging
import threading
from pathlib import Path

from fontTools import ttLib
from fpdf.fonts import SubsetMap, TTFFont

FONT_FILE = Path(__file__).resolve().parent.parent / "fonts" / "NanumGothic.ttf"
FAMILY = "NanumGothic"
# Tables fpdf2 never reads (it does not kern without text shaping; TSI* are the font's hinting sources).
_UNUSED = ("kern", "TSI0", "TSI1", "TSI2", "TSI3", "TSI5")
# What each document gets afresh rather than from the parsed template.
_PER_DOCUMENT = ("i", "ttfont", "subset", "missing_glyphs", "biggest_size_pt", "_hbfont", "color_font")

# fontTools says at INFO what it keeps of each subset font: not for the service's log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

_lock = threading.Lock()
_cache = {}


def _template():
    """The font parsed once (with its bytes and glyph order), by the first document of the process."""
    with _lock:
        if not _cache:
            from fpdf import FPDF
            pdf = FPDF()
            pdf.add_font(FAMILY, fname=str(FONT_FILE))
            font = pdf.fonts[FAMILY.lower()]
            _cache.update(font=font, data=FONT_FILE.read_bytes(), order=list(font.ttfont.getGlyphOrder()))
        return _cache


def add_to(pdf):
    """Make FAMILY usable in pdf (set it with pdf.set_font(FAMILY, size=…))."""
    cached = _template()
    template = cached["font"]
    font = object.__new__(TTFFont)
    for slot in TTFFont.__slots__:
        if slot not in _PER_DOCUMENT and hasattr(template, slot):
            setattr(font, slot, getattr(template, slot))
    program = ttLib.TTFont(io.BytesIO(cached["data"]), recalcTimestamp=False, lazy=True)
    program.setGlyphOrder(list(cached["order"]))
    for tag in _UNUSED:
        if tag in program:
            del program[tag]
    font.ttfont = program
    font.i = len(pdf.fonts) + 1
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.color_font = None
    pdf.fonts[FAMILY.lower()] = font
