"""Forms of livelihood projects (民生实事) and the problem list (问题清单): a project with its
milestones as rows, the steps on its page (a milestone done, a supervisor's comment), an item of
the problem list with its phases as rows, and the steps on its page.

The forms only shape and check what was typed; the services check it again and write it.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.selectors import scope_filter
from tongxin.campaigns.models import Campaign
from tongxin.learning.forms.study import campaigns_seen_by
from tongxin.orgs.models import Org, OrgKind

from ..models import Milestone, Project, RectificationMode, RectificationSource, Voice
from ..permissions import HANDLE_ROLES
from ..services.projects import WEIGHT_MAX

# Places a project or an item of the problem list is chosen for; a grid's belong to its community.
OWNER_ORG_KINDS = [OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY, OrgKind.VILLAGE]
MILESTONE_ROWS = 5
PHASE_ROWS = 4


def add_service_errors(form, error: ValidationError, rows: str | None = None, formset=None) -> None:
    """Put a service's ``ValidationError`` on the form fields it names, the row messages
    (``rows``: "milestones" or "phases") above the rows of ``formset``, the rest on the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        if rows and name == rows and formset is not None:
            formset.row_errors = [message for e in errors for message in e.messages]
        else:
            form.add_error(name if name in form.fields else None, errors)


def manageable_orgs(user):
    """The street, townships, communities and villages where the account manages projects and
    the problem list (street admin, community worker)."""
    condition = scope_filter(user, HANDLE_ROLES, field="path")
    if condition is None:
        return Org.objects.none()
    return Org.objects.filter(condition, kind__in=OWNER_ORG_KINDS).order_by("path")


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _CampaignChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Campaign) -> str:
        return obj.name


class _VoiceChoice(forms.ModelChoiceField):
    """The voice a project or an item came from: chosen on the voice's page (``?voice=``),
    carried in a hidden field."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Voice.objects.none(), required=False, widget=forms.HiddenInput, **kwargs)


class _PlaceForm(forms.Form):
    """What projects and items share: the place, the campaign, the voice they came from."""

    def __init__(self, *args, user, voice: Voice | None = None, with_org: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_org:
            orgs = manageable_orgs(user)
            self.fields["org"].queryset = orgs
            if not self.is_bound and len(orgs) == 1:
                self.initial.setdefault("org", orgs[0].pk)
        else:
            del self.fields["org"]
        self.fields["campaign"].queryset = Campaign.objects.filter(pk__in=[c.pk for c in campaigns_seen_by(user)])
        self.fields["source_voice"].queryset = Voice.objects.filter(pk=voice.pk) if voice else Voice.objects.none()
        if voice is not None and not self.is_bound:
            self.initial["source_voice"] = voice.pk


# --- Projects ---------------------------------------------------------------------------------

class ProjectForm(_PlaceForm):
    org = forms.ModelChoiceField(label=gettext_lazy("所属组织"), queryset=Org.objects.none())
    title = forms.CharField(label=gettext_lazy("项目名称"), max_length=100)
    owner = forms.CharField(label=gettext_lazy("责任人/责任单位"), max_length=100,
                            help_text=gettext_lazy("如：社区党委书记、共建单位名称"))
    description = forms.CharField(label=gettext_lazy("项目内容"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    campaign = _CampaignChoice(label=gettext_lazy("主题活动"), queryset=Campaign.objects.none(), required=False,
                               empty_label=gettext_lazy("（不属于主题活动）"))
    starts_on = forms.DateField(label=gettext_lazy("开始日期"), required=False, widget=_date_input())
    due_on = forms.DateField(label=gettext_lazy("计划完成日期"), required=False, widget=_date_input())
    source_voice = _VoiceChoice()

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("due_on") and data["due_on"] < data["starts_on"]:
            self.add_error("due_on", _("计划完成日期不能早于开始日期"))
        return data

    @classmethod
    def initial_from(cls, project: Project) -> dict:
        return {"title": project.title, "owner": project.owner, "description": project.description,
                "campaign": project.campaign_id, "starts_on": project.starts_on, "due_on": project.due_on,
                "source_voice": project.source_voice_id}


class MilestoneRowForm(forms.Form):
    """One row of the milestones on the project form; a row left empty is skipped."""

    title = forms.CharField(label=gettext_lazy("节点"), max_length=100, required=False)
    weight = forms.IntegerField(label=gettext_lazy("权重"), min_value=1, max_value=WEIGHT_MAX, required=False,
                                initial=1, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    due_on = forms.DateField(label=gettext_lazy("计划日期"), required=False, widget=_date_input())

    def clean(self):
        data = super().clean()
        if not data.get("title") and (data.get("due_on") or (data.get("weight") or 1) != 1):
            self.add_error("title", _("请填写节点名称"))
        return data


class _Rows(forms.BaseFormSet):
    """Rows the user filled in, in order. ``row_errors``: the service's messages about them."""

    key = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_errors: list[str] = []

    def filled(self) -> list[dict]:
        return [form.cleaned_data for form in self.forms
                if form.has_changed() and form.cleaned_data.get(self.key)]


class _MilestoneRows(_Rows):
    key = "title"


class _PhaseRows(_Rows):
    key = "target"


MilestoneFormSet = forms.formset_factory(MilestoneRowForm, formset=_MilestoneRows, extra=MILESTONE_ROWS,
                                         max_num=30, validate_max=True)


class MilestoneAddForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("节点名称"), max_length=100)
    weight = forms.IntegerField(label=gettext_lazy("权重"), min_value=1, max_value=WEIGHT_MAX, initial=1,
                                help_text=gettext_lazy("工作量越大权重越高；进度 = 已完成权重 ÷ 总权重"))
    due_on = forms.DateField(label=gettext_lazy("计划日期"), required=False, widget=_date_input())


class MilestoneDoneForm(forms.Form):
    done_on = forms.DateField(label=gettext_lazy("完成日期"), widget=_date_input())
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"done_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class MilestoneUndoForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("撤销原因"), max_length=200)


class SupervisorCommentForm(forms.Form):
    """A supervisor's comment; sent with the "确认完成" button (``confirms=1``) it confirms the
    milestone chosen."""

    milestone = forms.ModelChoiceField(label=gettext_lazy("针对节点"), queryset=Milestone.objects.none(),
                                       required=False, empty_label=gettext_lazy("（整个项目）"))
    text = forms.CharField(label=gettext_lazy("监督意见"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    confirms = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].queryset = project.milestones.all()


# --- Problem list ----------------------------------------------------------------------------

class RectificationForm(_PlaceForm):
    org = forms.ModelChoiceField(label=gettext_lazy("所属组织"), queryset=Org.objects.none())
    item = forms.CharField(label=gettext_lazy("问题"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    source = forms.ChoiceField(label=gettext_lazy("来源"), choices=RectificationSource.choices,
                               widget=forms.RadioSelect)
    owner = forms.CharField(label=gettext_lazy("责任人/责任单位"), max_length=100)
    mode = forms.ChoiceField(label=gettext_lazy("整改方式"), choices=RectificationMode.choices,
                             widget=forms.RadioSelect,
                             help_text=gettext_lazy("能立即整改的立行立改（30 天内）；需要长期整改的分阶段明确目标和时限"))
    measures = forms.CharField(label=gettext_lazy("整改措施"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    due_on = forms.DateField(label=gettext_lazy("完成时限"), required=False, widget=_date_input(),
                             help_text=gettext_lazy("立行立改不填则为一周后；分阶段整改不填则为最后一个阶段的时限"))
    campaign = _CampaignChoice(label=gettext_lazy("主题活动"), queryset=Campaign.objects.none(), required=False,
                               empty_label=gettext_lazy("（不属于主题活动）"))
    source_voice = _VoiceChoice()


class PhaseRowForm(forms.Form):
    """One phase of a phased fix; a row left empty is skipped."""

    target = forms.CharField(label=gettext_lazy("阶段目标"), max_length=200, required=False)
    due_on = forms.DateField(label=gettext_lazy("完成时限"), required=False, widget=_date_input())

    def clean(self):
        data = super().clean()
        if data.get("target") and not data.get("due_on") and "due_on" not in self.errors:
            self.add_error("due_on", _("请填写完成时限"))
        if data.get("due_on") and not data.get("target"):
            self.add_error("target", _("请填写阶段目标"))
        return data


PhaseFormSet = forms.formset_factory(PhaseRowForm, formset=_PhaseRows, extra=PHASE_ROWS, max_num=12,
                                     validate_max=True)


class PhaseDoneForm(MilestoneDoneForm):
    note = forms.CharField(label=gettext_lazy("说明"), max_length=500, required=False)


class FixForm(forms.Form):
    fixed_on = forms.DateField(label=gettext_lazy("完成日期"), widget=_date_input())
    note = forms.CharField(label=gettext_lazy("整改结果"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"fixed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("重新整改的原因"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=gettext_lazy("如：巡回指导组复查发现问题仍然存在"))
