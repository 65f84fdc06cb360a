"""ID numbers are masked in lists, exports and log lines."""

from __future__ import annotations

import logging

from shebao.core.identifiers import mask_id
from shebao.core.masking import MaskIdsFilter, mask_text

NUMBER = "11010519491231002X"


def test_mask_id():
    assert mask_id(NUMBER) == "110105********002X"
    assert mask_id("6222021202000000001") == "622202*********0001"
    assert mask_id("12345") == "12***"
    assert mask_id("") == ""
    assert mask_id(None) == ""


def test_mask_text_replaces_every_id_and_leaves_other_numbers():
    text = f"查询 {NUMBER} 与 330102199001010011；电话 13800138000，单号 2026060133010200000123"
    masked = mask_text(text)
    assert NUMBER not in masked
    assert "330102199001010011" not in masked
    assert "110105********002X" in masked
    assert "330102********0011" in masked
    assert "13800138000" in masked
    assert "2026060133010200000123" in masked  # longer digit runs are not IDs


def test_mask_text_lower_case_x():
    assert mask_text("id=11010519491231002x") == "id=110105********002X"


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


def _logger(name: str) -> tuple[logging.Logger, _Capture]:
    logger = logging.getLogger(name)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = _Capture()
    handler.addFilter(MaskIdsFilter())
    logger.handlers = [handler]
    return logger, handler


def test_logging_filter_masks_ids_in_message_and_args():
    logger, handler = _logger("shebao.tests.masking")
    logger.info("参保人 %s 登记成功", NUMBER)
    logger.info(f"直接拼接 {NUMBER}")
    logger.info("没有证件号 %d", 42)
    assert handler.lines == ["参保人 110105********002X 登记成功", "直接拼接 110105********002X", "没有证件号 42"]


def test_logging_filter_is_configured_on_the_console_handler(settings):
    console = settings.LOGGING["handlers"]["console"]
    assert "mask_ids" in console["filters"]
    assert settings.LOGGING["filters"]["mask_ids"]["()"] == "shebao.core.masking.MaskIdsFilter"
