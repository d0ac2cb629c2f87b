"""Pages for deliveries (送学), materials (学习材料), reflections (学习心得) and bulletins (简报).

Views only read through ``selectors.study`` and write through the services, which check
permission again; a view's own checks decide what to show and answer 403/404 early.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.models import Role
from tongxin.accounts.selectors import scope_filter, scope_paths, user_role_scopes
from tongxin.campaigns.models import Campaign, CampaignStatus
from tongxin.orgs.models import Org, OrgKind
from tongxin.people.models import Person, StudyPair
from tongxin.people.selectors import ancestor_paths, person_visible_q

from ..models import Attendance, DeliveryKind, MaterialKind, ReflectionStatus, Session
from ..permissions import COVERAGE_ROLES, MANAGE_ROLES
from ..selectors.study import (
    BULLETIN_SORTS, DELIVERY_SORTS, MATERIAL_SORTS, REFLECTION_SORTS, bulletin_get_visible, bulletin_list,
    delivery_counts_by_kind, delivery_list, delivery_targets, distribution_totals, distributions_of,
    material_get_visible, material_list, material_stock_totals, materials_for_person, my_reflections,
    name_search_q,
    reflection_counts, reflection_get_visible, reflection_list, study_figures,
)
from ..services.bulletins import bulletin_create, may_issue_bulletin, next_issue_no
from ..services.deliveries import deliveries_export_workbook, delivery_record, may_record_delivery
from ..services.materials import (
    MANAGE_PERMISSION, distribution_record, distributions_export_workbook, material_create, material_restock,
)
from ..services.reflections import (
    ReviewDecision, decisions_open, may_review, reflection_resubmit, reflection_review, reflection_submit,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 30
# Places offered in the "范围" filters and as the owner of a material or a bulletin. Grids and
# buildings are left out (a street has hundreds); a grid worker gets their own grid anyway.
AREA_KINDS = [OrgKind.CITY, OrgKind.DISTRICT, OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY,
              OrgKind.VILLAGE]
OWNER_KINDS = AREA_KINDS + [OrgKind.UNIT, OrgKind.PARTY_COMMITTEE]
REVIEW_LIST_ROLES = (*MANAGE_ROLES, Role.SUPERIOR)


# --- Shared helpers -------------------------------------------------------------------------

def _orgs_in_scope(user, roles, kinds) -> list[Org]:
    """Places for a "范围" filter: those of ``kinds`` in the account's scopes, and the scopes
    themselves (a grid worker's grid)."""
    condition = scope_filter(user, roles, field="path")
    if condition is None:
        return []
    own = {code for role, _path, code in user_role_scopes(user) if role in roles}
    return list(Org.objects.filter((condition & Q(kind__in=kinds)) | Q(code__in=own)).order_by("path")[:300])


def _org_param(request, permission: str) -> Org | None:
    """The org named by ``?org=CODE``, if the account holds ``permission`` on it."""
    code = request.GET.get("org", "").strip()
    if not code:
        return None
    org = get_object_or_404(Org, code=code)
    if not request.user.has_perm(permission, org):
        raise PermissionDenied
    return org


def _campaigns_for(user) -> list[Campaign]:
    # Campaigns are few (a handful a year per street), so the rule is asked per campaign.
    return [c for c in Campaign.objects.order_by("-starts_on", "name")[:100]
            if user.has_perm("campaigns.view_campaign", c)]


def _campaign_param(request) -> Campaign | None:
    slug = request.GET.get("campaign", "").strip()
    if not slug:
        return None
    campaign = get_object_or_404(Campaign, slug=slug)
    if not request.user.has_perm("campaigns.view_campaign", campaign):
        raise PermissionDenied
    return campaign


def _date_param(request, name: str) -> date | None:
    try:
        return date.fromisoformat(request.GET.get(name, "").strip())
    except ValueError:
        return None


def _sort_param(request, sorts: dict, default: str) -> str:
    sort = request.GET.get("sort", default)
    return sort if sort in sorts else default


def _paged(request, qs):
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form fields it names (else on the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _is_staff_viewer(user) -> bool:
    return bool(scope_paths(user, COVERAGE_ROLES))


def _helps_someone(user) -> bool:
    return bool(getattr(user, "person_id", None)) and StudyPair.objects.filter(
        active=True, helper__person_id=user.person_id).exists()


def _xlsx_response(out, filename: str) -> FileResponse:
    out.seek(0)
    response = FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX)
    response["Cache-Control"] = "no-store"  # names of people
    return response


def _local_now_minute():
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


@login_required
def delivery_list_view(request):
    user = request.user
    if not (_is_staff_viewer(user) or _helps_someone(user)):
        raise PermissionDenied
    org = _org_param(request, "learning.view_coverage")
    campaign = _campaign_param(request)
    filters = {
        "q": request.GET.get("q", "").strip(),
        "kind": request.GET.get("kind", "") if request.GET.get("kind") in DeliveryKind.values else "",
        "since": _date_param(request, "since"),
        "until": _date_param(request, "until"),
        "sort": _sort_param(request, DELIVERY_SORTS, "-date"),
    }
    qs = delivery_list(user=user, org=org, campaign=campaign, **filters)
    # The counts by way ignore the way filter, so that they show every way side by side.
    counts = delivery_counts_by_kind(delivery_list(user=user, org=org, campaign=campaign,
                                                   **{**filters, "kind": ""}))
    page, query = _paged(request, qs)
    return render(request, "learning/delivery_list.html", {
        "page": page, "query": query, "filters": filters, "org": org, "campaign": campaign, "counts": counts,
        "kinds": DeliveryKind.choices, "orgs": _orgs_in_scope(user, COVERAGE_ROLES, AREA_KINDS),
        "campaigns": _campaigns_for(user),
        "can_export": org is not None and user.has_perm("people.export_people", org),
        "is_staff_viewer": _is_staff_viewer(user),
    })


@login_required
def delivery_export_view(request):
    code = request.GET.get("org", "").strip()
    if not code:
        raise Http404(_("请先选择范围再导出"))
    org = _org_param(request, "people.export_people")
    campaign = _campaign_param(request)
    filters = {
        "q": request.GET.get("q", "").strip(),
        "kind": request.GET.get("kind", "") if request.GET.get("kind") in DeliveryKind.values else "",
        "since": _date_param(request, "since"),
        "until": _date_param(request, "until"),
        "sort": _sort_param(request, DELIVERY_SORTS, "-date"),
    }
    deliveries = delivery_list(user=request.user, org=org, campaign=campaign, **filters)
    out = tempfile.TemporaryFile()
    deliveries_export_workbook(by=request.user, org=org, deliveries=deliveries, out=out,
                               filters={**filters, "campaign": campaign.slug if campaign else ""})
    filename = _("送学记录-%(org)s-%(date)s.xlsx") % {"org": org.name, "date": timezone.localdate().strftime("%Y%m%d")}
    return _xlsx_response(out, filename)


@login_required
def delivery_create_view(request):
    """Step 1 (no ``?person=``): find the person — study partners first, then, for staff, the
    members who need study at home or are away, or whoever the search finds. Step 2: the form."""
    user = request.user
    person_id = request.GET.get("person", "").strip()
    if not person_id:
        q = request.GET.get("q", "").strip()
        targets = delivery_targets(user=user, q=q)
        if not targets["is_staff"] and not _helps_someone(user):
            raise PermissionDenied
        return render(request, "learning/delivery_targets.html", {"targets": targets, "q": q})
    if not person_id.isdigit():
        raise Http404
    person = Person.objects.filter(pk=int(person_id), is_active=True).select_related("org", "party_member").first()
    if person is None or not may_record_delivery(user, person):
        raise Http404  # not "forbidden": whether the person exists is not for this account to learn
    form = DeliveryForm(request.POST or None, person=person,
                        initial={"delivered_at": _local_now_minute(),
                                 "kind": DeliveryKind.HOME if getattr(person, "party_member", None)
                                 and person.party_member.needs_home_delivery else None})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            delivery = delivery_record(by=user, person=person, kind=data["kind"], campaign=data["campaign"],
                                       delivered_at=data["delivered_at"], material=data["material"],
                                       note=data["note"])
        except ValidationError as error:
            _add_service_errors(form, error)
        except PermissionError:
            raise PermissionDenied from None
        else:
            messages.success(request, _("已记录：%(name)s · %(kind)s") % {
                "name": person.name, "kind": delivery.get_kind_display()})
            return redirect("learning:delivery_create")
    return render(request, "learning/delivery_form.html", {"form": form, "person": person})


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
            pk__in=[c.pk for c in _campaigns_for(user)], status=CampaignStatus.ACTIVE)


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


@login_required
def material_list_view(request):
    user = request.user
    if not _is_staff_viewer(user):
        raise PermissionDenied
    org = _org_param(request, "learning.view_coverage")
    filters = {
        "q": request.GET.get("q", "").strip(),
        "kind": request.GET.get("kind", "") if request.GET.get("kind") in MaterialKind.values else "",
    }
    sort = _sort_param(request, MATERIAL_SORTS, "place")
    page, query = _paged(request, material_list(user=user, org=org, sort=sort, **filters))
    return render(request, "learning/material_list.html", {
        "page": page, "query": query, "filters": {**filters, "sort": sort}, "org": org,
        "totals": material_stock_totals(user=user, org=org, **filters), "kinds": MaterialKind.choices,
        "orgs": _orgs_in_scope(user, COVERAGE_ROLES, AREA_KINDS),
        "can_create": bool(scope_paths(user, MANAGE_ROLES)),
    })


@login_required
def material_create_view(request):
    if not scope_paths(request.user, MANAGE_ROLES):
        raise PermissionDenied
    form = MaterialForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            material = material_create(by=request.user, org=data["org"], title=data["title"], kind=data["kind"],
                                       stock=data["stock"], url=data["url"], campaign=data["campaign"])
        except ValidationError as error:
            _add_service_errors(form, error)
        except PermissionError:
            raise PermissionDenied from None
        else:
            messages.success(request, _("已登记：%(title)s") % {"title": material.title})
            return redirect("learning:material_detail", pk=material.pk)
    return render(request, "learning/material_form.html", {"form": form, "title": _("登记学习材料")})


@login_required
def material_detail_view(request, pk: int):
    """The material, its stock and distributions; for those who manage it, the forms to hand
    copies out and to restock (``action=distribute`` / ``action=restock``)."""
    user = request.user
    material = material_get_visible(user=user, pk=pk)
    if material is None:
        raise Http404
    can_manage = user.has_perm(MANAGE_PERMISSION, material.org)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action and not can_manage:
        raise PermissionDenied
    distribute = DistributionForm(request.POST if action == "distribute" else None, material=material, user=user,
                                  initial={"distributed_at": _local_now_minute()}, prefix="d")
    restock = RestockForm(request.POST if action == "restock" else None, prefix="r",
                          initial={"expected_stock": material.stock})
    if action == "distribute" and distribute.is_valid():
        data = distribute.cleaned_data
        try:
            distribution_record(by=user, material=material, quantity=data["quantity"], person=data["person"],
                                org=data["org"], distributed_at=data["distributed_at"], note=data["note"])
        except ValidationError as error:
            _add_service_errors(distribute, error)
        else:
            messages.success(request, _("已发放 %(n)d 份给 %(who)s") % {
                "n": data["quantity"], "who": (data["person"] or data["org"]).name})
            return redirect("learning:material_detail", pk=material.pk)
    elif action == "restock" and restock.is_valid():
        data = restock.cleaned_data
        try:
            material_restock(by=user, material=material, quantity=data["quantity"], note=data["note"],
                             expected_stock=data["expected_stock"])
        except ValidationError as error:
            _add_service_errors(restock, error)
        else:
            messages.success(request, _("已入库 %(n)d 份") % {"n": data["quantity"]})
            return redirect("learning:material_detail", pk=material.pk)
    page, query = _paged(request, distributions_of(material))
    return render(request, "learning/material_detail.html", {
        "material": material, "page": page, "query": query, "totals": distribution_totals(material),
        "can_manage": can_manage, "distribute": distribute, "restock": restock,
        "distribute_open": action == "distribute", "restock_open": action == "restock",
    })


@login_required
def material_distributions_export_view(request, pk: int):
    material = material_get_visible(user=request.user, pk=pk)
    if material is None:
        raise Http404
    if not request.user.has_perm(MANAGE_PERMISSION, material.org):
        raise PermissionDenied
    out = tempfile.TemporaryFile()
    distributions_export_workbook(by=request.user, material=material, distributions=distributions_of(material),
                                  out=out)
    filename = _("发放记录-%(title)s-%(date)s.xlsx") % {
        "title": material.title[:40], "date": timezone.localdate().strftime("%Y%m%d")}
    return _xlsx_response(out, filename)


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


def _own_person(request) -> Person:
    if not request.user.person_id:
        raise PermissionDenied(_("账号未关联人员"))
    return request.user.person


@login_required
def reflection_submit_view(request):
    person = _own_person(request)
    form = ReflectionForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reflection_submit(by=request.user, title=data["title"], text=data["text"],
                              campaign=data.get("campaign"), session=data.get("session"))
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("心得已提交，等待社区审阅"))
            return redirect("learning:my_reflections")
    return render(request, "learning/reflection_form.html", {"form": form, "title": _("写学习心得")})


@login_required
def reflection_revise_view(request, pk: int):
    person = _own_person(request)
    reflection = get_object_or_404(my_reflections(person), pk=pk)
    if reflection.status != ReflectionStatus.RETURNED:
        messages.error(request, _("只有退回修改的心得才能重新提交"))
        return redirect("learning:my_reflections")
    form = ReflectionForm(request.POST or None, person=person, revising=True,
                          initial={"title": reflection.title, "text": reflection.text})
    if request.method == "POST" and form.is_valid():
        try:
            reflection_resubmit(by=request.user, reflection=reflection, title=form.cleaned_data["title"],
                                text=form.cleaned_data["text"])
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("已重新提交"))
            return redirect("learning:my_reflections")
    return render(request, "learning/reflection_form.html", {
        "form": form, "title": _("修改学习心得"), "reflection": reflection})


@login_required
def my_reflections_view(request):
    person = _own_person(request)
    reflections = list(my_reflections(person)[:200])
    return render(request, "learning/reflection_mine.html", {"reflections": reflections})


@login_required
def reflection_list_view(request):
    """The staff review queue: 待审阅 by default, every status on request."""
    user = request.user
    if not scope_paths(user, REVIEW_LIST_ROLES):
        raise PermissionDenied
    org = _org_param(request, "learning.view_coverage")
    campaign = _campaign_param(request)
    status = request.GET.get("status", ReflectionStatus.SUBMITTED)
    filters = {
        "q": request.GET.get("q", "").strip(),
        "status": status if status in ReflectionStatus.values else "",
        "excellent": "yes" if request.GET.get("excellent") == "yes" else "",
        "sort": _sort_param(request, REFLECTION_SORTS, "-date"),
    }
    qs = reflection_list(user=user, org=org, campaign=campaign, **filters)
    counts = reflection_counts(reflection_list(user=user, org=org, campaign=campaign, q=filters["q"]))
    page, query = _paged(request, qs)
    return render(request, "learning/reflection_list.html", {
        "page": page, "query": query, "filters": filters, "org": org, "campaign": campaign, "counts": counts,
        "statuses": ReflectionStatus.choices, "orgs": _orgs_in_scope(user, REVIEW_LIST_ROLES, AREA_KINDS),
        "campaigns": _campaigns_for(user),
    })


@login_required
def reflection_review_view(request, pk: int):
    user = request.user
    reflection = reflection_get_visible(user=user, pk=pk)
    if reflection is None:
        raise Http404
    can_review = may_review(user, reflection)
    if request.method == "POST" and not can_review:
        raise PermissionDenied
    form = ReviewForm(request.POST or None, open_decisions=decisions_open(reflection)) if can_review else None
    if request.method == "POST" and form.is_valid():
        try:
            reflection_review(by=user, reflection=reflection, decision=form.cleaned_data["decision"],
                              note=form.cleaned_data["note"])
        except ValidationError as error:
            _add_service_errors(form, error)
        except PermissionError:
            raise PermissionDenied from None
        else:
            messages.success(request, _("已%(decision)s：%(title)s") % {
                "decision": ReviewDecision(form.cleaned_data["decision"]).label, "title": reflection.title})
            return redirect(f"{reverse('learning:reflection_list')}?{urlencode({'status': ReflectionStatus.SUBMITTED})}")
    return render(request, "learning/reflection_review.html", {
        "reflection": reflection, "form": form, "can_review": can_review,
    })


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
        condition = scope_filter(user, MANAGE_ROLES, field="path")
        self.fields["org"].queryset = (Org.objects.filter(condition, kind__in=OWNER_KINDS).order_by("path")
                                       if condition is not None else Org.objects.none())
        self.fields["campaign"].queryset = Campaign.objects.filter(pk__in=[c.pk for c in _campaigns_for(user)])


@login_required
def bulletin_list_view(request):
    user = request.user
    if not _is_staff_viewer(user):
        raise PermissionDenied
    org = _org_param(request, "learning.view_coverage")
    campaign = _campaign_param(request)
    filters = {"q": request.GET.get("q", "").strip(), "sort": _sort_param(request, BULLETIN_SORTS, "-date")}
    page, query = _paged(request, bulletin_list(user=user, org=org, campaign=campaign, **filters))
    return render(request, "learning/bulletin_list.html", {
        "page": page, "query": query, "filters": filters, "org": org, "campaign": campaign,
        "orgs": _orgs_in_scope(user, COVERAGE_ROLES, AREA_KINDS), "campaigns": _campaigns_for(user),
        "can_create": bool(scope_paths(user, MANAGE_ROLES)),
    })


@login_required
def bulletin_create_view(request):
    user = request.user
    if not scope_paths(user, MANAGE_ROLES):
        raise PermissionDenied
    form = BulletinForm(request.POST or None, user=user, initial={
        "published_on": timezone.localdate(), "org": request.GET.get("org_id") or None,
        "campaign": request.GET.get("campaign_id") or None})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            bulletin = bulletin_create(by=user, org=data["org"], title=data["title"], body=data["body"],
                                       campaign=data["campaign"], published_on=data["published_on"])
        except ValidationError as error:
            _add_service_errors(form, error)
        except PermissionError:
            raise PermissionDenied from None
        else:
            messages.success(request, _("已编发第 %(n)d 期") % {"n": bulletin.issue_no})
            return redirect("learning:bulletin_detail", pk=bulletin.pk)
    # Figures from the records to quote in the text, for the org and campaign chosen (or the
    # first the account may issue for).
    figures_org = figures_campaign = None
    orgs = form.fields["org"].queryset
    org_id = form.data.get("org", "") if form.is_bound else request.GET.get("org_id", "")
    if org_id.isdigit():
        figures_org = orgs.filter(pk=int(org_id)).first()
    figures_org = figures_org or orgs.first()
    campaign_id = form.data.get("campaign", "") if form.is_bound else request.GET.get("campaign_id", "")
    if campaign_id.isdigit():
        figures_campaign = form.fields["campaign"].queryset.filter(pk=int(campaign_id)).first()
    figures = study_figures(org=figures_org, campaign=figures_campaign) if figures_org else None
    return render(request, "learning/bulletin_form.html", {
        "form": form, "figures": figures, "figures_org": figures_org, "figures_campaign": figures_campaign,
        "next_issue": next_issue_no(figures_org, figures_campaign) if figures_org else None,
    })


@login_required
def bulletin_detail_view(request, pk: int):
    bulletin = bulletin_get_visible(user=request.user, pk=pk)
    if bulletin is None:
        raise Http404
    return render(request, "learning/bulletin_detail.html", {
        "bulletin": bulletin, "paragraphs": [p.strip() for p in bulletin.body.splitlines() if p.strip()],
        "can_issue": may_issue_bulletin(request.user, bulletin.org),
    })
