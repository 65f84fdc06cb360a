"""Request body parsers for the API: JSON with a nesting limit (deep nesting is a 400, never a RecursionError)."""

from __future__ import annotations

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

DEFAULT_MAX_DEPTH = 32


def _max_depth() -> int:
    return int(getattr(settings, "SHEBAO_JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH))


def check_json(data, *, max_depth: int) -> None:
    """Refuse a parsed body nested deeper than max_depth or holding NUL in a key or string (iterative walk)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > max_depth:
                raise ParseError(f"JSON嵌套层数超过{max_depth}层")
            if isinstance(node, dict):
                for key, value in node.items():
                    if "\x00" in key:
                        raise ParseError("JSON字段名含有不允许的空字符（NUL）")
                    stack.append((value, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in node)
        elif isinstance(node, str) and "\x00" in node:
            raise ParseError("JSON文本含有不允许的空字符（NUL）")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a depth limit (`SHEBAO_JSON_MAX_DEPTH`) and Chinese parse errors."""

    def parse(self, stream, media_type=None, parser_context=None):
        """The parsed body, or ParseError (400) for malformed, too deeply nested or NUL-bearing JSON."""
        try:
            data = super().parse(stream, media_type=media_type, parser_context=parser_context)
        except RecursionError:
            raise ParseError(f"JSON嵌套层数超过{_max_depth()}层") from None
        except ParseError:
            raise ParseError("请求体不是有效的JSON") from None
        check_json(data, max_depth=_max_depth())
        return data
