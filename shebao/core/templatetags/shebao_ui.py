"""Filters and tags of the workbench: ID masking, status badges, months and Bootstrap form fields."""

from __future__ import annotations

import datetime as dt

from django import forms, template

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


@register.filter
def is_checkbox(bound_field) -> bool:
    return isinstance(bound_field.field.widget, forms.CheckboxInput)


@register.inclusion_tag("includes/field.html")
def field(bound_field, inline: bool = False, help: str = ""):
    """A form field the Bootstrap way: label, widget (red when wrong), the errors beneath, help text."""
    widget = bound_field.field.widget
    multi = isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect)
    single_check = isinstance(widget, forms.CheckboxInput)
    html = ""
    if not multi:
        css = widget.attrs.get("class", "")
        if bound_field.errors:
            css = f"{css} is-invalid"
        attrs = {"class": css}
        if bound_field.errors:
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = f"{bound_field.auto_id}_errors"
        html = bound_field.as_widget(attrs=attrs)
    return {
        "field": bound_field,
        "widget_html": html,
        "multi": multi,
        "single_check": single_check,
        "inline": inline,
        "help": help or bound_field.help_text,
        "required": getattr(bound_field.field, "mark_required", bound_field.field.required),
    }
