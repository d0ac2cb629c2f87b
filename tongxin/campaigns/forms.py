"""Forms for campaigns, plans, actions, measures and completions. They offer only the orgs the
account may choose; every rule is the services' (one set of Chinese messages for the pages and
the API)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.accounts.models import Role
from tongxin.accounts.selectors import scope_filter
from tongxin.learning.models import SessionKind
from tongxin.orgs.models import Domain, Org, OrgKind
from tongxin.people.models import PersonGroup

from .models import Campaign, CampaignStatus, Plan, PlanKind, ProofKind
from .services import SCOPE_KINDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DOMAIN_CHOICES = [("", _("不限领域"))] + Domain.choices
# Plans, actions and measures name an area or a unit, never a grid, a building or a branch.
NAMED_KINDS = (OrgKind.CITY, OrgKind.DISTRICT, OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY,
               OrgKind.VILLAGE, OrgKind.UNIT)


def orgs_managed_by(user):
    """Orgs under the account's street admin roles (where it may run a campaign)."""
    condition = scope_filter(user, (Role.STREET_ADMIN,), field="path")
    if condition is None:
        return Org.objects.none()
    return Org.objects.filter(condition)


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Org) -> str:
        return f"{obj.name}（{obj.get_kind_display()}）"


class OrgMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Org) -> str:
        return obj.name


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("活动名称"), max_length=100)
    slug = forms.CharField(label=_("简称"), max_length=60, required=False,
                           help_text=_("用于网址，小写字母、数字和连字符；留空则按名称拼音首字母自动生成"))
    theme = forms.CharField(label=_("主题"), max_length=200, required=False)
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)
    ends_on = forms.DateField(label=_("结束日期"), widget=DATE)
    scope = OrgChoiceField(label=_("活动范围"), queryset=Org.objects.none())
    status = forms.ChoiceField(label=_("状态"), choices=CampaignStatus.choices, initial=CampaignStatus.ACTIVE)
    targets_members = forms.BooleanField(label=_("面向全体党员"), required=False, initial=True)
    targets_residents = forms.BooleanField(label=_("面向居民群众"), required=False)
    resident_groups = forms.MultipleChoiceField(
        label=_("居民类别"), choices=PersonGroup.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("面向居民群众时可选；不选表示范围内全体居民"))
    units = OrgMultipleChoiceField(label=_("指定单位"), queryset=Org.objects.none(), required=False,
                                   widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        managed = orgs_managed_by(user)
        self.fields["scope"].queryset = managed.filter(kind__in=SCOPE_KINDS).order_by("path")
        self.fields["units"].queryset = managed.filter(kind=OrgKind.UNIT).order_by("path")


def _campaign_orgs(campaign: Campaign, kinds=NAMED_KINDS):
    return Org.objects.filter(path__startswith=campaign.scope_path, kind__in=kinds).order_by("path")


class PlanForm(forms.Form):
    kind = forms.ChoiceField(label=_("方案类型"), choices=PlanKind.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    domain = forms.ChoiceField(label=_("领域"), choices=DOMAIN_CHOICES, required=False,
                               help_text=_("领域操作规程必选；子方案留空时按单位所属领域"))
    org = OrgChoiceField(label=_("制定单位"), queryset=Org.objects.none(), required=False,
                         help_text=_("子方案必选；实施方案留空时为活动范围"))
    parent = forms.ModelChoiceField(label=_("上级方案"), queryset=Plan.objects.none(), required=False,
                                    help_text=_("留空时自动挂在实施方案或本领域操作规程之下"))
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    issued_on = forms.DateField(label=_("印发日期"), widget=DATE, required=False)

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = _campaign_orgs(campaign)
        self.fields["parent"].queryset = campaign.plans.exclude(kind=PlanKind.UNIT).order_by("kind", "title")


class TaskForm(forms.Form):
    title = forms.CharField(label=_("动作名称"), max_length=200)
    required = forms.BooleanField(label=_("规定动作（不勾选为自选动作）"), required=False, initial=True)
    due_on = forms.DateField(label=_("完成时限"), widget=DATE)
    domain = forms.ChoiceField(label=_("适用领域"), choices=DOMAIN_CHOICES, required=False)
    org = OrgChoiceField(label=_("适用单位"), queryset=Org.objects.none(), required=False,
                         help_text=_("选街道则适用于其下全部社区和单位；领域与单位至少选一项"))
    proof_kind = forms.ChoiceField(label=_("佐证"), choices=ProofKind.choices, initial=ProofKind.SESSION)
    session_kind = forms.ChoiceField(label=_("活动类型"), choices=[("", _("不限"))] + SessionKind.choices,
                                     required=False, help_text=_("以学习活动为佐证时，限定哪类活动算数"))
    plan = forms.ModelChoiceField(label=_("所属方案"), queryset=Plan.objects.none(), required=False)
    description = forms.CharField(label=_("要求"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = _campaign_orgs(campaign)
        self.fields["plan"].queryset = campaign.plans.order_by("kind", "title")


class MeasureForm(forms.Form):
    title = forms.CharField(label=_("举措"), max_length=200)
    plan = forms.ModelChoiceField(label=_("所属方案"), queryset=Plan.objects.none(), required=False)
    domain = forms.ChoiceField(label=_("领域"), choices=DOMAIN_CHOICES, required=False,
                               help_text=_("留空时取所属方案的领域"))
    org = OrgChoiceField(label=_("责任单位"), queryset=Org.objects.none(), required=False)
    description = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = _campaign_orgs(campaign)
        self.fields["plan"].queryset = campaign.plans.order_by("kind", "title")


class CompletionForm(forms.Form):
    completed_on = forms.DateField(label=_("完成日期"), widget=DATE, initial=timezone.localdate)
    report = forms.CharField(label=_("工作报告"), widget=forms.Textarea(attrs={"rows": 8}),
                             help_text=_("写明做了什么、何时何地、多少人参加；这份报告就是完成的佐证"))
