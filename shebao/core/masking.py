"""Masking of personal data in logs (ID numbers never reach a log line in full)."""

from __future__ import annotations

import logging
import re

from .identifiers import mask_id

_ID_PATTERN = re.compile(r"(?<!\d)(\d{17}[\dXx])(?![\dA-Za-z])")


def mask_text(text: str) -> str:
    """Replace every 18-digit ID number inside free text by its masked form."""
    return _ID_PATTERN.sub(lambda m: mask_id(m.group(1).upper()), text)


class MaskIdsFilter(logging.Filter):
    """Logging filter: masks ID numbers in the formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
