"""Filters and tags of the workbench: ID masking, status badges, months, Bootstrap form fields and 取消 links."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from django import forms, template
from django.utils.http import url_has_allowed_host_and_scheme

from shebao.core.identifiers import mask_id as _mask_id

register = template.Library()

# Status value → Bootstrap colour, for cases, enrolments, employers and persons alike.
_BADGES = {
    "submitted": "info",
    "accepted": "primary",
    "approved": "primary",
    "completed": "success",
    "rejected": "danger",
    "withdrawn": "secondary",
    "active": "success",
    "suspended": "warning",
    "ended": "secondary",
    "cancelled": "secondary",
    "terminated": "dark",
    "pending": "info",
    "running": "primary",
    "done": "success",
    "failed": "danger",
}


@register.filter
def mask_id(value) -> str:
    """110105********002X — ID numbers and accounts in lists."""
    return _mask_id(str(value)) if value else ""


@register.filter
def badge(status) -> str:
    """Bootstrap colour name for a status value."""
    return _BADGES.get(str(status), "secondary")


@register.filter
def month(value) -> str:
    """A date shown as its month, 2026-11."""
    if isinstance(value, dt.date):
        return f"{value:%Y-%m}"
    return str(value or "")[:7]


_DATE_TEXT = re.compile(r"^\d{4}-\d{2}(-\d{2})?( \d{2}:\d{2}(:\d{2})?)?$")


@register.filter
def is_date(value) -> bool:
    """Whether a shown value is a date, month or timestamp (kept on one line: `text-nowrap`)."""
    return isinstance(value, dt.date) or bool(_DATE_TEXT.match(str(value or "").strip()))


@register.filter
def is_checkbox(bound_field) -> bool:
    return isinstance(bound_field.field.widget, forms.CheckboxInput)


@register.inclusion_tag("includes/field.html")
def field(bound_field, inline: bool = False, help: str = ""):
    """A form field the Bootstrap way: label (with * when required), widget (red when wrong), errors, help text.

    Required fields carry `required` and `aria-required="true"`; the forms are sent with `novalidate`, so the
    server still reports every missing field at once, in Chinese.
    """
    widget = bound_field.field.widget
    multi = isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect)
    single_check = isinstance(widget, forms.CheckboxInput)
    required = bool(getattr(bound_field.field, "mark_required", bound_field.field.required))
    help = help or bound_field.help_text
    html = ""
    if not multi:
        css = widget.attrs.get("class", "")
        if bound_field.errors:
            css = f"{css} is-invalid"
        attrs = {"class": css}
        described = []
        if bound_field.errors:
            attrs["aria-invalid"] = "true"
            described.append(f"{bound_field.auto_id}_errors")
        if help:
            described.append(f"{bound_field.auto_id}_help")
        if described:
            attrs["aria-describedby"] = " ".join(described)
        if required:
            attrs["required"] = True
            attrs["aria-required"] = "true"
        html = bound_field.as_widget(attrs=attrs)
    return {
        "field": bound_field,
        "widget_html": html,
        "multi": multi,
        "single_check": single_check,
        "inline": inline,
        "help": help,
        "required": required,
    }


def _local_path(request, url: str) -> str:
    """`url` as a path on this site ('' when it points elsewhere or is not a URL)."""
    if not url or not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return ""
    parts = urlsplit(url)
    if not parts.path.startswith("/"):
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")


@register.inclusion_tag("includes/cancel.html", takes_context=True)
def cancel(context, default: str):
    """取消: back to the page the user came from (kept across a re-shown form), else to `default`."""
    request = context.get("request")
    url = ""
    if request is not None:
        here = request.path
        for candidate in (request.POST.get("back", ""), request.headers.get("referer", "")):
            path = _local_path(request, candidate)
            if path and urlsplit(path).path != here:
                url = path
                break
    return {"url": url or default}


@register.filter
def error_rows(row_errors) -> int:
    """How many distinct data rows a list of row errors touches (a row may have several wrong cells)."""
    return len({getattr(e, "row", None) if not isinstance(e, dict) else e.get("row") for e in row_errors or ()})


@register.simple_tag
def error_count(*forms) -> int:
    """How many fields (or whole-form messages) of the given forms need correcting (None forms are skipped)."""
    return sum(len(f.errors) for f in forms if f is not None and hasattr(f, "errors"))
