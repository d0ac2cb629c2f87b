"""The dashboard's scope form: ``?campaign=&from=&to=`` (the org comes by ``?org=`` and is checked
before the form, since the campaigns offered are those over it).

The dates follow ``reports.scope`` (the API's and the ``report`` command's rules and messages):
ISO days, both included, the end not before the start, at most three years.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.campaigns.models import Campaign, CampaignStatus
from tongxin.campaigns.selectors.campaigns import campaign_visible_q
from tongxin.orgs.models import Org
from tongxin.people.selectors import ancestor_paths

from .scope import PERIOD_MAX_DAYS

DATE_INVALID = _("日期格式应为 2024-09-10")


def campaigns_over(user, org: Org) -> list[Campaign]:
    """The campaigns the account sees that concern ``org``: run over it (or a place above it) or
    inside its subtree; not those still in preparation. Newest first."""
    return list(Campaign.objects.filter(campaign_visible_q(user))
                .filter(Q(scope_path__in=ancestor_paths(org.path)) | Q(scope_path__startswith=org.path))
                .exclude(status=CampaignStatus.DRAFT).order_by("-starts_on", "name", "id"))


def campaign_under_way(campaigns: list[Campaign]) -> Campaign | None:
    today = timezone.localdate()
    return next((c for c in campaigns if c.status == CampaignStatus.ACTIVE and c.starts_on <= today <= c.ends_on),
                None)


class DashboardForm(forms.Form):
    """``campaign`` (a slug; empty: no campaign, every record), ``from`` and ``to`` (optional:
    the campaign's period up to today, or everything up to today)."""

    campaign = forms.ChoiceField(label=_("主题活动"), required=False,
                                 error_messages={"invalid_choice": _("找不到该主题活动")})

    def __init__(self, *args, campaigns: list[Campaign], **kwargs):
        super().__init__(*args, **kwargs)
        self.campaigns = {c.slug: c for c in campaigns}
        self.fields["campaign"].choices = [("", _("不限活动（全部记录）"))] + [
            (c.slug, f"{c.name}（{c.starts_on:%Y-%m-%d} 至 {c.ends_on:%Y-%m-%d}）") for c in campaigns]
        # "from" is a Python keyword, so the fields cannot be declared on the class.
        for name, label, help_text in (("from", _("开始日期"), _("不填：活动开始之日")),
                                       ("to", _("结束日期"), _("不填：今天或活动结束之日"))):
            self.fields[name] = forms.DateField(
                label=label, required=False, help_text=help_text, error_messages={"invalid": DATE_INVALID},
                # ISO, whatever the locale's first input format: <input type="date"> reads no other.
                input_formats=["%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end:
            if end < start:
                self.add_error("to", _("结束日期不能早于开始日期"))
            elif (end - start).days > PERIOD_MAX_DAYS:
                self.add_error("to", _("统计期间最长三年"))
        data["campaign_obj"] = self.campaigns.get(data.get("campaign") or "")
        return data
