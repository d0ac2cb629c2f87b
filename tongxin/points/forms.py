"""Forms of the points pages. They only shape the input; the rules (stock, balance, limits, caps)
are the services', whose ``ValidationError`` lands next to the field it names."""

from __future__ import annotations

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxin.core.forms import add_period_fields, check_period, date_input

from .models import CapPeriod, RewardKind
from .services.store import QUANTITY_MAX

NUMBER = {"inputmode": "numeric", "class": "big-input"}


def new_key() -> str:
    return secrets.token_urlsafe(16)


class RedeemForm(forms.Form):
    """Redeem a reward. ``key`` is drawn when the form is drawn: a double tap, or a resubmit of
    the same page, sends the same key and redeems once."""

    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=QUANTITY_MAX, initial=1,
                                  widget=forms.NumberInput(attrs=NUMBER),
                                  error_messages={"required": _("请填写数量"), "invalid": _("数量须为整数"),
                                                  "min_value": _("数量至少为 1"),
                                                  "max_value": _("一次最多兑换 %(limit_value)s 件")})
    key = forms.CharField(widget=forms.HiddenInput, max_length=80,
                          error_messages={"required": _("页面已过期，请刷新后重试")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["key"] = new_key()


class CounterForm(forms.Form):
    code = forms.CharField(label=_("兑换码"), max_length=20,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                         "class": "big-input code-input", "autofocus": True}),
                           error_messages={"required": _("请输入居民出示的兑换码")})

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper().replace(" ", "")


class RewardForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, error_messages={"required": _("请填写商品名称")})
    kind = forms.ChoiceField(label=_("类型"), choices=RewardKind.choices)
    cost = forms.IntegerField(label=_("所需积分"), min_value=1, widget=forms.NumberInput(attrs=NUMBER),
                              error_messages={"required": _("请填写所需积分"), "min_value": _("所需积分须为正整数")})
    discount_percent = forms.IntegerField(label=_("优惠比例（%）"), required=False, min_value=1, max_value=100,
                                          help_text=_("物业优惠填写，如车位租金减免 20%；实物留空"),
                                          widget=forms.NumberInput(attrs=NUMBER))
    valid_days = forms.IntegerField(label=_("兑换后有效天数"), min_value=1, max_value=3650, initial=30,
                                    widget=forms.NumberInput(attrs=NUMBER))
    per_person_limit = forms.IntegerField(label=_("每人限兑"), required=False, min_value=1,
                                          help_text=_("不限请留空"), widget=forms.NumberInput(attrs=NUMBER))
    description = forms.CharField(label=_("说明"), max_length=300, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    active = forms.BooleanField(label=_("上架"), required=False, initial=True)


class RewardCreateForm(RewardForm):
    stock = forms.IntegerField(label=_("初始库存"), min_value=0, initial=0, widget=forms.NumberInput(attrs=NUMBER))


class RestockForm(forms.Form):
    quantity = forms.IntegerField(label=_("入库数量"), min_value=1, widget=forms.NumberInput(attrs=NUMBER),
                                  error_messages={"required": _("请填写入库数量"), "min_value": _("入库数量至少为 1")})


class RuleForm(forms.Form):
    action = forms.CharField(label=_("事项"), max_length=40, help_text=_("如 daily_checkin（每日打卡）"))
    points = forms.IntegerField(label=_("每次积分"), min_value=1, max_value=10_000,
                                widget=forms.NumberInput(attrs=NUMBER))
    daily_cap = forms.IntegerField(label=_("每日上限（分）"), required=False, min_value=1,
                                   help_text=_("不限请留空"), widget=forms.NumberInput(attrs=NUMBER))
    period_cap = forms.IntegerField(label=_("周期上限（分）"), required=False, min_value=1,
                                    help_text=_("不限请留空"), widget=forms.NumberInput(attrs=NUMBER))
    period = forms.ChoiceField(label=_("周期"), required=False, choices=[("", _("不设周期"))] + list(CapPeriod.choices))
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class PeriodForm(forms.Form):
    since = forms.DateField(label=_("起始日期"), widget=date_input())
    until = forms.DateField(label=_("截止日期"), widget=date_input())

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("截止日期不能早于起始日期"))
        return data


FIGURES_MAX_DAYS = 366


class FiguresPeriodForm(forms.Form):
    """The period of the figures page, ``?from=YYYY-MM-DD&to=YYYY-MM-DD``: both days included, at
    most a year (a year's figures are what the reports ask for; longer ones would only be slow)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_period_fields(self, required=True)

    def clean(self):
        data = super().clean()
        check_period(self, data, max_days=FIGURES_MAX_DAYS, too_long=_("一次最多统计一年，请缩短统计期间"))
        return data
