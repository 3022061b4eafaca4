"""A second line of defence: every log record has any 13-digit run (an RRN's shape) masked."""
import logging

from ..identity.rrn import mask_in_text as mask


def mask_record(record):
    """The record with its message, traceback and stack masked (in place)."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it to the handler to report
        return record
    record.msg, record.args = mask(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask(record.exc_text)
    if record.stack_info:
        record.stack_info = mask(record.stack_info)
    return record


class MaskFilter(logging.Filter):
    """On every handler of the logging configuration (pumasi.ops.logs): records made where the factory
    was not installed, or changed after they were made, are masked too."""

    def filter(self, record):
        mask_record(record)
        return True


def install():
    """Wrap the log-record factory once per process (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "masks_rrn", False):
        return

    def masked_record(*args, **kwargs):
        return mask_record(factory(*args, **kwargs))

    masked_record.masks_rrn = True
    logging.setLogRecordFactory(masked_record)
