"""What the forms of every area share: a service's errors put on the fields they name, and the
``from``/``to`` period of the figures pages.

The forms only shape and check what was typed; the services check it again and write it.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DATE_INVALID = _("日期格式应为 2024-09-10")


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form fields it names (else on the whole form)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def date_input() -> forms.DateInput:
    # ISO, whatever the locale's first input format: <input type="date"> reads and sends no other.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_period_fields(form: forms.Form, *, required: bool = False, from_help: str = "", to_help: str = "") -> None:
    """Add the ``from`` and ``to`` days to ``form``. "from" is a Python keyword, so the fields
    cannot be declared on a class."""
    for name, label, help_text in (("from", _("开始日期"), from_help), ("to", _("结束日期"), to_help)):
        messages = {"invalid": DATE_INVALID}
        if required:
            messages["required"] = _("请填写%(label)s") % {"label": label}
        form.fields[name] = forms.DateField(label=label, required=required, help_text=help_text,
                                            error_messages=messages, input_formats=["%Y-%m-%d"], widget=date_input())


def check_period(form: forms.Form, data: dict, *, max_days: int, too_long: str) -> None:
    """The end not before the start, and at most ``max_days`` days with both ends included."""
    start, end = data.get("from"), data.get("to")
    if start and end:
        if end < start:
            form.add_error("to", _("结束日期不能早于开始日期"))
        elif (end - start).days + 1 > max_days:
            form.add_error("to", too_long)
