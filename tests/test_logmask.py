"""The log filter masks RRN-shaped digit runs, in messages, arguments and tracebacks."""
import logging

from pumasi.ops import logmask


def test_mask_text():
    assert logmask.mask("rrn 9001011234567 and 880515-2345678") == "rrn 900101-******* and 880515-*******"
    assert logmask.mask("id 12345678901234 stays") == "id 12345678901234 stays"  # 14 digits: not an RRN


def test_log_records_are_masked(app, caplog):
    logger = logging.getLogger("pumasi.test")
    with caplog.at_level(logging.INFO, logger="pumasi.test"):
        logger.info("sending %s", "9001011234567")
        try:
            int("880515-2345678x")
        except ValueError:
            logger.exception("failed")
    assert "9001011234567" not in caplog.text and "880515-2345678" not in caplog.text
    assert "900101-*******" in caplog.text and "880515-*******" in caplog.text
