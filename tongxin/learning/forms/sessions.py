"""Forms to hold a session (学习活动) and to keep the weekly timetable (学习课表)."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from tongxin.accounts.selectors import scope_filter
from tongxin.campaigns.models import Campaign, CampaignStatus
from tongxin.orgs.models import Org, OrgKind

from ..models import OutreachPlace, ScheduleItem, SessionKind, SpeakerRole
from ..permissions import SESSION_ROLES


def session_orgs_for(user):
    """Orgs where the account may hold sessions (buildings are left out: too many, too small)."""
    condition = scope_filter(user, SESSION_ROLES, field="path")
    if condition is None:
        return Org.objects.none()
    return Org.objects.filter(condition).exclude(kind=OrgKind.BUILDING).order_by("path")


def campaigns_for(user):
    """The campaigns not yet closed that the account sees, newest first."""
    return [c for c in Campaign.objects.exclude(status=CampaignStatus.CLOSED).order_by("-starts_on")
            if user.has_perm("campaigns.view_campaign", c)]


def _limit_org_and_campaign(form: forms.Form, user) -> None:
    """Offer only the orgs the account runs and the campaigns it sees; a grid worker with one grid
    finds it chosen already."""
    orgs = session_orgs_for(user)
    form.fields["org"].queryset = orgs
    if len(orgs[:2]) == 1:
        form.fields["org"].empty_label = None
    form.fields["campaign"].queryset = Campaign.objects.filter(pk__in=[c.pk for c in campaigns_for(user)])


class _OrgField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Org) -> str:
        return f"{obj.name}（{obj.get_kind_display()}）"


class SessionForm(forms.Form):
    org = _OrgField(label=_lazy("组织单位"), queryset=Org.objects.none())
    kind = forms.ChoiceField(label=_lazy("形式"), choices=SessionKind.choices)
    topic = forms.CharField(label=_lazy("主题"), max_length=200)
    speaker = forms.CharField(label=_lazy("主讲人"), max_length=50, required=False)
    speaker_role = forms.ChoiceField(label=_lazy("主讲人身份"), required=False,
                                     choices=[("", "—")] + SpeakerRole.choices,
                                     help_text=_lazy("党课须填写；按主讲人身份统计党课"))
    outreach_place = forms.ChoiceField(label=_lazy("五进场所"), required=False,
                                       choices=[("", "—")] + OutreachPlace.choices,
                                       help_text=_lazy("仅宣讲活动填写"))
    place = forms.CharField(label=_lazy("地点"), max_length=100, required=False)
    day = forms.DateField(label=_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    starts_at = forms.TimeField(label=_lazy("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(label=_lazy("结束时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    capacity = forms.IntegerField(label=_lazy("人数上限"), required=False, min_value=1,
                                  help_text=_lazy("不限人数请留空"))
    campaign = forms.ModelChoiceField(label=_lazy("所属主题活动"), queryset=Campaign.objects.none(), required=False)

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_org_and_campaign(self, user)
        if editing:
            del self.fields["org"]  # a session stays with the org that holds it

    def period(self) -> tuple[datetime, datetime]:
        d = self.cleaned_data
        return (timezone.make_aware(datetime.combine(d["day"], d["starts_at"])),
                timezone.make_aware(datetime.combine(d["day"], d["ends_at"])))


class ScheduleItemForm(forms.Form):
    org = _OrgField(label=_lazy("组织"), queryset=Org.objects.none())
    weekday = forms.TypedChoiceField(label=_lazy("星期"), coerce=int,
                                     choices=ScheduleItem._meta.get_field("weekday").choices)
    starts_at = forms.TimeField(label=_lazy("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(label=_lazy("结束时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    kind = forms.ChoiceField(label=_lazy("形式"), choices=SessionKind.choices, initial=SessionKind.GROUP_STUDY)
    topic = forms.CharField(label=_lazy("学习内容"), max_length=200)
    place = forms.CharField(label=_lazy("地点"), max_length=100, required=False)
    campaign = forms.ModelChoiceField(label=_lazy("所属主题活动"), queryset=Campaign.objects.none(), required=False)
    active = forms.BooleanField(label=_lazy("有效（取消勾选即停用）"), required=False, initial=True)

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_org_and_campaign(self, user)
        if editing:
            del self.fields["org"]
        else:
            del self.fields["active"]
