"""The forms of the weekly bulletin (每周通报): which org, week and campaign (``?org=BLP&week=2024-W12
&campaign=slug``), and the weights of the measures."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.selectors import scope_paths
from tongxin.campaigns.models import Campaign
from tongxin.campaigns.selectors import campaign_visible_q
from tongxin.orgs.models import Org, OrgKind
from tongxin.people.selectors import ancestor_paths

from .permissions import FIGURES_ROLES
from .selectors.figures import CHILD_KINDS
from .services.bulletin import MEASURES, WEIGHT_MAX, week_monday

_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)
# The orgs whose units a bulletin ranks: places above the buildings.
RANKING_KINDS = (OrgKind.CITY, OrgKind.DISTRICT, OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY,
                 OrgKind.VILLAGE)


def week_code(monday: date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(value: str) -> date:
    """The Monday of an ISO week written 2024-W12 (as ``<input type="week">`` sends it)."""
    match = _WEEK.match(value or "")
    try:
        if match is None:
            raise ValueError
        year, week = int(match[1]), int(match[2])
        if not 2000 <= year <= 2100:
            raise ValueError
        return date.fromisocalendar(year, week, 1)
    except ValueError:
        raise forms.ValidationError(_("周次格式应为 2024-W12（年份-W周次），且该年须有这一周")) from None


def ranking_orgs(user):
    """The orgs with child places under the account's figures scopes, in the order of the tree."""
    under = Q()
    for path in scope_paths(user, FIGURES_ROLES):
        under |= Q(path__startswith=path)
    if not under:
        return Org.objects.none()
    children = Org.objects.filter(parent=OuterRef("pk"), kind__in=CHILD_KINDS)
    return Org.objects.filter(under, Exists(children), kind__in=RANKING_KINDS).order_by("path")


def bulletin_campaigns(user, org: Org):
    """The campaigns the account sees that run over ``org`` (their scope holds it), newest first."""
    return (Campaign.objects.filter(campaign_visible_q(user), scope_path__in=ancestor_paths(org.path))
            .order_by("-starts_on", "name"))


class BulletinForm(forms.Form):
    """What the bulletin page shows: ``org`` (a code), ``week`` (2024-W12, this week without it),
    ``campaign`` (a slug; blank: the one running that week). The org and the campaign are checked
    against the account by ``scope.parse_scope``; their choices here only draw the pickers."""

    org = forms.CharField(label=gettext_lazy("组织"), required=False)
    week = forms.CharField(label=gettext_lazy("周次"), required=False,
                           widget=forms.TextInput(attrs={"type": "week"}))
    campaign = forms.CharField(label=gettext_lazy("主题活动"), required=False)

    def __init__(self, *args, orgs=(), campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].widget = forms.Select(choices=[(o.code, o.name) for o in orgs])
        self.fields["campaign"].widget = forms.Select(
            choices=[("", _("本周进行中的活动（自动）")), *[(c.slug, c.name) for c in campaigns]])

    def clean_week(self) -> date:
        value = self.cleaned_data.get("week", "")
        return parse_week(value) if value.strip() else week_monday(timezone.localdate())


def neighbour_weeks(monday: date) -> tuple[date, date | None]:
    """The Mondays of the week before and after; none after the current week."""
    following = monday + timedelta(days=7)
    return monday - timedelta(days=7), following if following <= timezone.localdate() else None


class BulletinWeightsForm(forms.Form):
    """One number 0–100 per measure: a rate's weight in the weighted mean, the overdue items'
    points off per item."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for measure in MEASURES:
            label = str(measure.label)
            self.fields[measure.key] = forms.DecimalField(
                label=label, min_value=0, max_value=WEIGHT_MAX, max_digits=4, decimal_places=1,
                help_text=_("%(meaning)s。默认 %(default)s") % {"meaning": measure.meaning, "default": measure.default},
                widget=forms.NumberInput(attrs={"step": "0.5", "min": 0, "max": WEIGHT_MAX, "inputmode": "decimal"}),
                error_messages={
                    "required": _("请填写%(label)s的权重") % {"label": label},
                    "invalid": _("%(label)s的权重应为数字") % {"label": label},
                    "min_value": _("%(label)s的权重应在 0 到 100 之间") % {"label": label},
                    "max_value": _("%(label)s的权重应在 0 到 100 之间") % {"label": label},
                    "max_digits": _("%(label)s的权重应在 0 到 100 之间") % {"label": label},
                    "max_whole_digits": _("%(label)s的权重应在 0 到 100 之间") % {"label": label},
                    "max_decimal_places": _("%(label)s的权重最多保留一位小数") % {"label": label},
                })
