"""Forms for registering and editing a person by hand. Validation of ID and phone numbers is
the services' (one set of Chinese messages for the form, the import and the API)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxin.accounts.selectors import scope_filter
from tongxin.orgs.models import Org, OrgKind

from .models import Gender, MemberStatus, PersonGroup
from .permissions import MANAGE_ROLES


def places_managed_by(user):
    """Grids and buildings where the account may register people."""
    condition = scope_filter(user, MANAGE_ROLES, field="path")
    if condition is None:
        return Org.objects.none()
    return Org.objects.filter(condition, kind__in=[OrgKind.GRID, OrgKind.BUILDING]).order_by("path")


def branches_managed_by(user):
    condition = scope_filter(user, MANAGE_ROLES, field="path")
    if condition is None:
        return Org.objects.none()
    return Org.objects.filter(condition, kind__in=[OrgKind.PARTY_BRANCH, OrgKind.PARTY_COMMITTEE]).order_by("path")


class PlaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Org) -> str:
        return f"{obj.parent.name} · {obj.name}" if obj.kind == OrgKind.BUILDING and obj.parent_id else obj.name


class PersonForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=30, required=False,
                                help_text=_("18 位；老的 15 位号码会自动升为 18 位"))
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    gender = forms.ChoiceField(label=_("性别"), choices=[("", _("按身份证号"))] + Gender.choices, required=False)
    org = PlaceChoiceField(label=_("所在网格/楼栋"), queryset=Org.objects.none())
    household_number = forms.CharField(label=_("门牌号"), max_length=50, required=False,
                                       help_text=_("如 3-2-501；该楼栋还没有这一户时自动登记"))
    groups = forms.MultipleChoiceField(label=_("人员类别"), choices=PersonGroup.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    is_member = forms.BooleanField(label=_("党员"), required=False)
    branch = forms.ModelChoiceField(label=_("所在支部"), queryset=Org.objects.none(), required=False)
    joined_on = forms.DateField(label=_("入党日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("党员状态"), choices=MemberStatus.choices, required=False)
    needs_home_delivery = forms.BooleanField(label=_("老弱病残，需送学上门"), required=False)
    is_mobile = forms.BooleanField(label=_("流动党员"), required=False)
    in_hardship = forms.BooleanField(label=_("困难党员"), required=False)

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = places_managed_by(user).select_related("parent")
        self.fields["branch"].queryset = branches_managed_by(user)
        if editing:
            # An ID number is fixed once registered; a wrong one is corrected by re-registering.
            del self.fields["id_number"]
            del self.fields["gender"]
            self.fields["phone"].help_text = _("留空表示不修改；填“无”表示删除")

    def clean(self):
        data = super().clean()
        if data.get("is_member") and not data.get("branch"):
            self.add_error("branch", _("党员须选择所在支部"))
        return data
