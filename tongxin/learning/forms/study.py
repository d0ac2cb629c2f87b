"""Forms of the study records: a delivery (送学), a material with its distribution and restock,
a reflection (学习心得) and its review, a bulletin (简报)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.selectors import scope_filter
from tongxin.campaigns.models import Campaign, CampaignStatus
from tongxin.orgs.models import Org, OrgKind
from tongxin.people.models import Person
from tongxin.people.selectors import ancestor_paths, person_visible_q

from ..models import Attendance, DeliveryKind, MaterialKind, Session
from ..permissions import BULLETIN_ROLES, MANAGE_ROLES
from ..selectors.study import materials_for_person, name_search_q
from ..services.reflections import ReviewDecision

# Places offered in the "范围" filters and as the owner of a material or a bulletin. Grids and
# buildings are left out (a street has hundreds); a grid worker gets their own grid anyway.
AREA_KINDS = [OrgKind.CITY, OrgKind.DISTRICT, OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY,
              OrgKind.VILLAGE]
OWNER_KINDS = AREA_KINDS + [OrgKind.UNIT, OrgKind.PARTY_COMMITTEE]


def campaigns_seen_by(user) -> list[Campaign]:
    """The campaigns the account sees (closed ones too), newest first."""
    # Campaigns are few (a handful a year per street), so the rule is asked per campaign.
    return [c for c in Campaign.objects.order_by("-starts_on", "name")[:100]
            if user.has_perm("campaigns.view_campaign", c)]


def now_to_the_minute():
    """Now in local time, as a ``datetime-local`` field shows it (no seconds)."""
    return timezone.localtime().replace(second=0, microsecond=0)


class _CampaignChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Campaign) -> str:
        return obj.name


# --- Deliveries (送学) ----------------------------------------------------------------------

class MaterialChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _("%(title)s（%(kind)s · 库存 %(stock)d）") % {
            "title": obj.title, "kind": obj.get_kind_display(), "stock": obj.stock}


class DeliveryForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("送学方式"), choices=DeliveryKind.choices, widget=forms.RadioSelect)
    delivered_at = forms.DateTimeField(
        label=gettext_lazy("时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    material = MaterialChoice(label=gettext_lazy("学习材料"), queryset=None, required=False,
                              empty_label=gettext_lazy("（不涉及材料）"),
                              help_text=gettext_lazy("发放口袋书、mp3 播放器时，从该材料的库存中扣减一份"))
    campaign = _CampaignChoice(label=gettext_lazy("主题活动"), queryset=None, required=False,
                               empty_label=gettext_lazy("（不属于主题活动）"))
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["material"].queryset = materials_for_person(person)
        campaigns = Campaign.objects.filter(scope_path__in=ancestor_paths(person.org_path),
                                            status=CampaignStatus.ACTIVE).order_by("-starts_on")
        self.fields["campaign"].queryset = campaigns
        today = timezone.localdate()
        running = [c for c in campaigns if c.starts_on <= today <= c.ends_on]
        if len(running) == 1 and not self.is_bound:
            self.initial.setdefault("campaign", running[0].pk)


# --- Materials (学习材料) ---------------------------------------------------------------------

class MaterialForm(forms.Form):
    org = forms.ModelChoiceField(label=gettext_lazy("所属组织"), queryset=None)
    title = forms.CharField(label=gettext_lazy("名称"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=MaterialKind.choices)
    stock = forms.IntegerField(label=gettext_lazy("现有数量"), min_value=0, initial=0,
                               help_text=gettext_lazy("音频、视频、文章等只发链接的材料填 0"))
    url = forms.URLField(label=gettext_lazy("链接"), required=False, assume_scheme="https")
    campaign = _CampaignChoice(label=gettext_lazy("主题活动"), queryset=None, required=False,
                               empty_label=gettext_lazy("（不属于主题活动）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        condition = scope_filter(user, MANAGE_ROLES, field="path")
        self.fields["org"].queryset = (Org.objects.filter(condition, kind__in=OWNER_KINDS).order_by("path")
                                       if condition is not None else Org.objects.none())
        self.fields["campaign"].queryset = Campaign.objects.filter(
            pk__in=[c.pk for c in campaigns_seen_by(user)], status=CampaignStatus.ACTIVE)


class DistributionForm(forms.Form):
    RECIPIENTS = [("person", gettext_lazy("个人")), ("org", gettext_lazy("单位"))]

    recipient = forms.ChoiceField(label=gettext_lazy("发放给"), choices=RECIPIENTS, widget=forms.RadioSelect,
                                  initial="person")
    who = forms.CharField(label=gettext_lazy("接收人"), max_length=50, required=False,
                          help_text=gettext_lazy("姓名或拼音首字母，如 张三 或 zs"))
    person = forms.ModelChoiceField(label=gettext_lazy("同名人员"), queryset=None, required=False)
    org = forms.ModelChoiceField(label=gettext_lazy("接收单位"), queryset=None, required=False,
                                 empty_label=gettext_lazy("（发放给单位时选择）"))
    quantity = forms.IntegerField(label=gettext_lazy("数量"), min_value=1, initial=1)
    distributed_at = forms.DateTimeField(
        label=gettext_lazy("发放时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)

    def __init__(self, *args, material, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = Person.objects.filter(person_visible_q(user), org_path__startswith=material.org_path,
                                                is_active=True).select_related("org")
        self.fields["person"].queryset = self.candidates
        self.fields["person"].label_from_instance = lambda p: f"{p.name}（{p.org.name} {p.phone_masked}）"
        self.fields["org"].queryset = (Org.objects.filter(path__startswith=material.org_path)
                                       .exclude(pk=material.org_id).exclude(kind=OrgKind.BUILDING).order_by("path"))

    def clean(self):
        data = super().clean()
        if data.get("recipient") == "org":
            if not data.get("org"):
                self.add_error("org", _("请选择接收单位"))
            data["person"] = None
            return data
        data["org"] = None
        if data.get("person"):
            return data
        who = (data.get("who") or "").strip()
        if not who:
            self.add_error("who", _("请填写接收人"))
            return data
        matches = list(self.candidates.filter(name_search_q(who)).order_by("name", "org_path")[:20])
        if len(matches) == 1:
            data["person"] = matches[0]
        elif not matches:
            self.add_error("who", _("在本材料所属范围内没有找到“%(who)s”") % {"who": who})
        else:
            # Several people match: offer them, the cadre picks one and sends again.
            self.fields["person"].queryset = self.candidates.filter(pk__in=[p.pk for p in matches])
            self.add_error("person", _("找到 %(n)d 人，请选择其中一人") % {"n": len(matches)})
        return data


class RestockForm(forms.Form):
    quantity = forms.IntegerField(label=gettext_lazy("入库数量"), min_value=1)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False,
                           help_text=gettext_lazy("如：采购 200 册"))
    expected_stock = forms.IntegerField(widget=forms.HiddenInput)


# --- Reflections (学习心得) -------------------------------------------------------------------

class SessionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Session) -> str:
        return f"{timezone.localtime(obj.starts_at):%m-%d} {obj.topic}"


class ReflectionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("标题"), max_length=100)
    text = forms.CharField(label=gettext_lazy("心得内容"), widget=forms.Textarea(attrs={"rows": 12}),
                           help_text=gettext_lazy("写下学习的收获和体会，至少 10 个字"))
    campaign = _CampaignChoice(label=gettext_lazy("主题活动"), queryset=None, required=False,
                               empty_label=gettext_lazy("（不选）"))
    session = SessionChoice(label=gettext_lazy("参加的学习活动"), queryset=None, required=False,
                            empty_label=gettext_lazy("（不选）"))

    def __init__(self, *args, person: Person, revising: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if revising:
            del self.fields["campaign"], self.fields["session"]
            return
        today = timezone.localdate()
        campaigns = Campaign.objects.filter(scope_path__in=ancestor_paths(person.org_path),
                                            status=CampaignStatus.ACTIVE, starts_on__lte=today,
                                            ends_on__gte=today).order_by("-starts_on")
        self.fields["campaign"].queryset = campaigns
        if len(campaigns) == 1 and not self.is_bound:
            self.initial.setdefault("campaign", campaigns[0].pk)
        since = timezone.now() - timedelta(days=90)
        attended = Attendance.objects.filter(person=person, checked_in_at__gte=since).values("session_id")
        self.fields["session"].queryset = Session.objects.filter(pk__in=attended).order_by("-starts_at")
        if not self.fields["session"].queryset.exists():
            del self.fields["session"]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("审阅意见"), choices=ReviewDecision.choices,
                                 widget=forms.RadioSelect)
    note = forms.CharField(label=gettext_lazy("意见说明"), max_length=200, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}), help_text=gettext_lazy("退回时必填"))

    def __init__(self, *args, open_decisions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [(d, ReviewDecision(d).label) for d in open_decisions]


# --- Bulletins (简报) ---------------------------------------------------------------------------

class BulletinForm(forms.Form):
    org = forms.ModelChoiceField(label=gettext_lazy("编发单位"), queryset=None)
    campaign = _CampaignChoice(label=gettext_lazy("主题活动"), queryset=None, required=False,
                               empty_label=gettext_lazy("（不属于主题活动）"),
                               help_text=gettext_lazy("期号按编发单位和主题活动分别连续编排"))
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    published_on = forms.DateField(label=gettext_lazy("编发日期"), widget=forms.DateInput(attrs={"type": "date"}))
    body = forms.CharField(label=gettext_lazy("正文"), widget=forms.Textarea(attrs={"rows": 18}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        condition = scope_filter(user, BULLETIN_ROLES, field="path")
        self.fields["org"].queryset = (Org.objects.filter(condition, kind__in=OWNER_KINDS).order_by("path")
                                       if condition is not None else Org.objects.none())
        self.fields["campaign"].queryset = Campaign.objects.filter(pk__in=[c.pk for c in campaigns_seen_by(user)])
