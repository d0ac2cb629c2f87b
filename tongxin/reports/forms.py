"""Forms of the report pages: the progress report's scope and period, and its editable texts."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tongxin.core.forms import add_period_fields, check_period

from .scope import PERIOD_MAX_DAYS
from .services.texts import PARTS, TEXT_MAX_LENGTH, check_template


class ProgressForm(forms.Form):
    """``?org=CODE&campaign=SLUG&from=&to=&addressee=`` of the progress report. The org and the
    campaign are resolved (and checked against the account) by ``scope.parse_scope``; the form
    offers them as choices and checks the period and the addressee."""

    org = forms.CharField(label=_("范围"), required=False, widget=forms.Select)
    campaign = forms.CharField(label=_("主题活动"), required=False, widget=forms.Select)
    addressee = forms.CharField(label=_("主送机关（可不填）"), required=False, max_length=60,
                                help_text=_("如：区委第三巡回指导组"))

    def __init__(self, *args, orgs=(), campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        add_period_fields(self, from_help=_("不填：活动开始之日"), to_help=_("不填：今天，活动已结束则为结束之日"))
        self.fields["org"].widget.choices = [(o.code, o.name) for o in orgs]
        self.fields["campaign"].widget.choices = [(c.slug, c.name) for c in campaigns]
        self.order_fields(["org", "campaign", "from", "to", "addressee"])

    def clean(self):
        data = super().clean()
        check_period(self, data, max_days=PERIOD_MAX_DAYS + 1, too_long=_("统计期间最长三年"))
        return data


class ReportTextForm(forms.Form):
    """One part of the report's text. ``action`` is "save", or "reset" (恢复默认) to drop the
    org's own wording."""

    part = forms.ChoiceField(choices=list(PARTS.items()), widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[("save", _("保存")), ("reset", _("恢复默认"))], initial="save",
                               widget=forms.HiddenInput)
    text = forms.CharField(label=_("内容"), required=False, max_length=TEXT_MAX_LENGTH, strip=True,
                           widget=forms.Textarea(attrs={"rows": 8}))

    def clean(self):
        data = super().clean()
        if data.get("action") == "save" and data.get("part") and "text" not in self.errors:
            try:
                check_template(data.get("text", ""), data["part"])
            except ValidationError as error:
                self.add_error("text", error)
        return data
