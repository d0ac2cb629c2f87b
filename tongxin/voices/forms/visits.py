"""Forms of the visit pages (the visit with its items heard) and of good deeds. They only shape and
check what was typed; the services check it again and write it."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

from tongxin.campaigns.models import Campaign, CampaignStatus
from tongxin.orgs.models import Household
from tongxin.people.models import Person
from tongxin.people.selectors import ancestor_paths

from ..models import DeedKind, VisitReason, VoiceKind
from ..services.deeds import FOR_WHOM_MAX, WHAT_MAX
from ..services.intake import TEXT_MAX, clean_text
from ..services.visits import HEARD_MAX, NOTES_MAX

HEARD_ROWS = 3  # empty item rows a new visit form starts with


def now_to_the_minute():
    """Now in local time, as a ``datetime-local`` field shows it (no seconds)."""
    return timezone.localtime().replace(second=0, microsecond=0)


class CampaignChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Campaign) -> str:
        return obj.name


def campaigns_over(path: str):
    """Campaigns under way over a place, newest first: those a record may belong to."""
    return Campaign.objects.filter(scope_path__in=ancestor_paths(path), status=CampaignStatus.ACTIVE) \
        .order_by("-starts_on", "name")


def _default_campaign(form: forms.Form, campaigns) -> None:
    """Preselect the campaign when exactly one is running today (the usual case)."""
    today = timezone.localdate()
    running = [c for c in campaigns if c.starts_on <= today <= c.ends_on]
    if len(running) == 1 and not form.is_bound:
        form.initial.setdefault("campaign", running[0].pk)


# --- Visits -----------------------------------------------------------------------------------

class VisitForm(forms.Form):
    visited_at = forms.DateTimeField(
        label=gettext_lazy("走访时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    reasons = forms.MultipleChoiceField(
        label=gettext_lazy("四访四问"), choices=VisitReason.choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=gettext_lazy("都不是时不选，记为日常走访"))
    notes = forms.CharField(label=gettext_lazy("走访情况"), max_length=NOTES_MAX, required=False,
                            widget=forms.Textarea(attrs={"rows": 3,
                                                         "placeholder": gettext_lazy("家庭情况、生活状况等")}))
    campaign = CampaignChoice(label=gettext_lazy("主题活动"), queryset=Campaign.objects.none(), required=False,
                              empty_label=gettext_lazy("（不属于主题活动）"))

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        campaigns = campaigns_over(household.org_path)
        self.fields["campaign"].queryset = campaigns
        _default_campaign(self, campaigns)
        if not self.is_bound:
            self.initial.setdefault("visited_at", now_to_the_minute())


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return obj.name


class HeardForm(forms.Form):
    """One thing heard at the visit. A row left untouched is skipped (the formset's empty rows)."""

    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=VoiceKind.choices, initial=VoiceKind.OPINION)
    text = forms.CharField(label=gettext_lazy("听到的内容"), max_length=TEXT_MAX,
                           widget=forms.Textarea(attrs={"rows": 2,
                                                        "placeholder": gettext_lazy("群众反映的意见、困难或心愿")}),
                           error_messages={"required": gettext_lazy("请填写听到的内容，或清空这一条")})
    person = PersonChoice(label=gettext_lazy("反映人"), queryset=Person.objects.none(), required=False,
                          empty_label=gettext_lazy("（本户，不具名）"))
    urgent = forms.BooleanField(label=gettext_lazy("急难愁盼"), required=False)

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(household=household, is_active=True).order_by("id")

    def clean_text(self):
        try:
            return clean_text(self.cleaned_data["text"])
        except ValidationError as error:
            raise ValidationError(error.messages) from None


HeardFormSet = forms.formset_factory(HeardForm, extra=HEARD_ROWS, max_num=HEARD_MAX, validate_max=True,
                                     absolute_max=HEARD_MAX)


def heard_formset(data=None, *, household: Household, more: bool = False):
    """The item rows. ``more``: the rows as sent plus one empty row ("再加一条" without script)."""
    if data is not None and more:
        data = data.copy()
        key = "heard-TOTAL_FORMS"
        try:
            data[key] = str(min(int(data.get(key, HEARD_ROWS)) + 1, HEARD_MAX))
        except ValueError:
            data[key] = str(HEARD_ROWS)
    return HeardFormSet(data, prefix="heard", form_kwargs={"household": household})


def heard_items(formset) -> list[dict]:
    """The filled rows of a valid formset, in order, as ``visit_record`` takes them."""
    return [{"kind": f.cleaned_data["kind"], "text": f.cleaned_data["text"], "urgent": f.cleaned_data["urgent"],
             "person": f.cleaned_data["person"]} for f in formset.forms if f.has_changed() and f.cleaned_data]


# --- Good deeds -------------------------------------------------------------------------------

class DeedForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=DeedKind.choices, widget=forms.RadioSelect)
    what = forms.CharField(
        label=gettext_lazy("办了什么事"), max_length=WHAT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": gettext_lazy("如：帮助独居老人修好了漏水的水管")}))
    for_whom = forms.CharField(label=gettext_lazy("为谁办的"), max_length=FOR_WHOM_MAX, required=False,
                               help_text=gettext_lazy("可写“3号楼住户”“独居老人”等，不必写全名"))
    done_on = forms.DateField(label=gettext_lazy("日期"),
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    campaign = CampaignChoice(label=gettext_lazy("主题活动"), queryset=Campaign.objects.none(), required=False,
                              empty_label=gettext_lazy("（不属于主题活动）"))

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        is_member = hasattr(person, "party_member")
        # Only a party member can do "党员办好一件实事".
        self.fields["kind"].choices = DeedKind.choices if is_member else [
            (DeedKind.RESIDENT.value, DeedKind.RESIDENT.label)]
        campaigns = campaigns_over(person.org_path)
        self.fields["campaign"].queryset = campaigns
        _default_campaign(self, campaigns)
        if not self.is_bound:
            self.initial.setdefault("kind", DeedKind.MEMBER if is_member else DeedKind.RESIDENT)
            self.initial.setdefault("done_on", timezone.localdate())
