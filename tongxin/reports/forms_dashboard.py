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
from tongxin.core.forms import add_period_fields, check_period
from tongxin.campaigns.selectors.campaigns import campaign_visible_q
from tongxin.orgs.models import Org
from tongxin.people.selectors import ancestor_paths

from .scope import PERIOD_MAX_DAYS

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
        add_period_fields(self, from_help=_("不填：活动开始之日"), to_help=_("不填：今天或活动结束之日"))

    def clean(self):
        data = super().clean()
        check_period(self, data, max_days=PERIOD_MAX_DAYS + 1, too_long=_("统计期间最长三年"))
        data["campaign_obj"] = self.campaigns.get(data.get("campaign") or "")
        return data
