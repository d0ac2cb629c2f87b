"""Campaign pages: the list, a campaign with its plans, actions and measures, the forms a street
admin uses to set them up, and each unit's compliance with the required actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.learning.models import Delivery, Session, SessionKind
from tongxin.orgs.models import Org

from .forms import CampaignForm, CompletionForm, MeasureForm, PlanForm, TaskForm, orgs_managed_by
from .models import Campaign, CampaignTask, ProofKind, TaskCompletion
from .permissions import may_view_compliance
from .selectors import (
    COMPLIANCE_SORTS, LIST_SORTS, OVERDUE, PENDING, campaign_get_visible, campaign_list_for, campaign_target_text,
    compliance, compliance_base_path, compliance_default_org, plan_counts, plan_tree,
)
from .services import campaign_create, campaign_update, measure_create, plan_create, task_complete, task_create


def _visible_or_404(request, slug: str) -> Campaign:
    campaign = campaign_get_visible(user=request.user, slug=slug)
    if campaign is None:
        raise Http404
    return campaign


def _require_manager(request, campaign: Campaign) -> None:
    if not request.user.has_perm("campaigns.manage_campaign", campaign.scope):
        raise PermissionDenied


def _add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form fields it names (else on the form)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def campaign_list_view(request):
    q = request.GET.get("q", "").strip()
    sort = request.GET.get("sort", "-start")
    sort = sort if sort in LIST_SORTS else "-start"
    page = Paginator(campaign_list_for(request.user, q=q, sort=sort), 30).get_page(request.GET.get("page"))
    for campaign in page:
        campaign.target_text = campaign_target_text(campaign)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "campaigns/list.html", {
        "page": page, "q": q, "sort": sort, "query": query.urlencode(),
        "can_create": orgs_managed_by(request.user).exists(),
    })


@login_required
def campaign_detail_view(request, slug: str):
    campaign = _visible_or_404(request, slug)
    tasks = list(campaign.tasks.select_related("org", "plan").order_by("-required", "due_on", "title"))
    kinds = dict(SessionKind.choices)
    for task in tasks:
        task.session_kind_label = kinds.get(task.session_kind, "")
    measures = list(campaign.measures.select_related("org", "plan").order_by("domain", "title"))
    counts = plan_counts(campaign)
    return render(request, "campaigns/detail.html", {
        "campaign": campaign,
        "target_text": campaign_target_text(campaign),
        "plans": plan_tree(campaign),
        "plan_counts": counts,
        "required_tasks": [t for t in tasks if t.required],
        "optional_tasks": [t for t in tasks if not t.required],
        "measures": measures,
        "today": timezone.localdate(),
        "can_manage": request.user.has_perm("campaigns.manage_campaign", campaign.scope),
        "can_view_compliance": compliance_default_org(request.user, campaign) is not None,
    })


@login_required
def campaign_create_view(request):
    if not orgs_managed_by(request.user).exists():
        raise PermissionDenied
    form = CampaignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not request.user.has_perm("campaigns.manage_campaign", data["scope"]):
            raise PermissionDenied
        try:
            campaign = campaign_create(
                by=request.user, name=data["name"], slug=data["slug"], theme=data["theme"],
                starts_on=data["starts_on"], ends_on=data["ends_on"], scope=data["scope"], status=data["status"],
                targets_members=data["targets_members"], targets_residents=data["targets_residents"],
                resident_groups=data["resident_groups"], units=list(data["units"]))
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("已创建主题活动：%(name)s") % {"name": campaign.name})
            return redirect("campaigns:detail", slug=campaign.slug)
    return render(request, "campaigns/form.html", {
        "form": form, "title": _("新建主题活动"), "cancel_url": reverse("campaigns:list")})


@login_required
def campaign_edit_view(request, slug: str):
    campaign = _visible_or_404(request, slug)
    _require_manager(request, campaign)
    initial = {
        "name": campaign.name, "slug": campaign.slug, "theme": campaign.theme, "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on, "scope": campaign.scope, "status": campaign.status,
        "targets_members": campaign.targets_members, "targets_residents": campaign.targets_residents,
        "resident_groups": campaign.resident_groups, "units": list(campaign.units.all()),
    }
    form = CampaignForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not request.user.has_perm("campaigns.manage_campaign", data["scope"]):
            raise PermissionDenied
        try:
            campaign = campaign_update(
                by=request.user, campaign=campaign, name=data["name"], slug=data["slug"] or campaign.slug,
                theme=data["theme"], starts_on=data["starts_on"], ends_on=data["ends_on"], scope=data["scope"],
                status=data["status"], targets_members=data["targets_members"],
                targets_residents=data["targets_residents"], resident_groups=data["resident_groups"],
                units=list(data["units"]))
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("已保存"))
            return redirect("campaigns:detail", slug=campaign.slug)
    return render(request, "campaigns/form.html", {
        "form": form, "title": _("修改：%(name)s") % {"name": campaign.name},
        "cancel_url": reverse("campaigns:detail", args=[campaign.slug])})


def _child_create_view(request, slug: str, *, form_class, title: str, save, done: str):
    """The plan, action and measure forms: same permission, same flow."""
    campaign = _visible_or_404(request, slug)
    _require_manager(request, campaign)
    form = form_class(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            item = save(campaign, form.cleaned_data)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, done % {"title": item.title})
            return redirect("campaigns:detail", slug=campaign.slug)
    return render(request, "campaigns/form.html", {
        "form": form, "title": title, "campaign": campaign,
        "cancel_url": reverse("campaigns:detail", args=[campaign.slug])})


@login_required
def plan_create_view(request, slug: str):
    def save(campaign, data):
        return plan_create(by=request.user, campaign=campaign, kind=data["kind"], title=data["title"],
                           domain=data["domain"], org=data["org"], parent=data["parent"], body=data["body"],
                           issued_on=data["issued_on"])

    return _child_create_view(request, slug, form_class=PlanForm, title=_("制定方案"), save=save,
                              done=_("已制定方案：%(title)s"))


@login_required
def task_create_view(request, slug: str):
    def save(campaign, data):
        return task_create(by=request.user, campaign=campaign, title=data["title"], due_on=data["due_on"],
                           required=data["required"], domain=data["domain"], org=data["org"], plan=data["plan"],
                           description=data["description"], proof_kind=data["proof_kind"],
                           session_kind=data["session_kind"])

    return _child_create_view(request, slug, form_class=TaskForm, title=_("布置规定/自选动作"), save=save,
                              done=_("已布置：%(title)s"))


@login_required
def measure_create_view(request, slug: str):
    def save(campaign, data):
        return measure_create(by=request.user, campaign=campaign, title=data["title"], plan=data["plan"],
                              domain=data["domain"], org=data["org"], description=data["description"])

    return _child_create_view(request, slug, form_class=MeasureForm, title=_("新增推进举措"), save=save,
                              done=_("已新增举措：%(title)s"))


def _compliance_org(request, campaign: Campaign) -> Org:
    """The org of ``?org=`` (or the account's default), if the account may see its compliance."""
    code = request.GET.get("org", "").strip()
    org = get_object_or_404(Org, code=code) if code else compliance_default_org(request.user, campaign)
    if org is None or not may_view_compliance(request.user, campaign, org):
        raise PermissionDenied
    return org


@login_required
def compliance_view(request, slug: str):
    campaign = _visible_or_404(request, slug)
    org = _compliance_org(request, campaign)
    sort = request.GET.get("sort", "path")
    sort = sort if sort in COMPLIANCE_SORTS else "path"
    table = compliance(campaign, org, sort=sort)
    for row in table.rows:
        row.can_record = request.user.has_perm("campaigns.record_completion", row.org)
        row.can_open = row.org.pk != org.pk and may_view_compliance(request.user, campaign, row.org)
    ancestors = [a for a in Org.objects.filter(pk__in=org.ancestor_ids, path__startswith=campaign.scope_path)
                 .order_by("path") if may_view_compliance(request.user, campaign, a)]
    return render(request, "campaigns/compliance.html", {
        "campaign": campaign, "org": org, "table": table, "sort": sort, "ancestors": ancestors,
        "OVERDUE": OVERDUE, "PENDING": PENDING,
    })


@login_required
def completion_create_view(request, slug: str, code: str, task_id: int):
    """Record by hand that a unit did an action, with a written report as proof."""
    campaign = _visible_or_404(request, slug)
    org = get_object_or_404(Org, code=code)
    task = get_object_or_404(CampaignTask.objects.select_related("campaign"), pk=task_id, campaign=campaign)
    if not request.user.has_perm("campaigns.record_completion", org):
        raise PermissionDenied
    back = request.GET.get("back", "").strip()
    back_org = Org.objects.filter(code=back).first() if back else None
    if back_org is None or not may_view_compliance(request.user, campaign, back_org):
        back_org = org
    back_url = reverse("campaigns:compliance", args=[campaign.slug]) + f"?org={back_org.code}"
    form = CompletionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            task_complete(by=request.user, task=task, org=org, completed_on=form.cleaned_data["completed_on"],
                          report=form.cleaned_data["report"])
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("已记录：%(org)s完成“%(task)s”") % {"org": org.name, "task": task.title})
            return redirect(back_url)
    facts = [(_("主题活动"), campaign.name), (_("单位"), org.name), (_("动作"), task.title),
             (_("完成时限"), task.due_on.isoformat())]
    if task.description:
        facts.append((_("要求"), task.description))
    return render(request, "campaigns/form.html", {
        "form": form, "title": _("记录完成情况"), "campaign": campaign, "facts": facts, "cancel_url": back_url})


@login_required
def proof_view(request, slug: str, kind: str, pk: int):
    """The record behind a ✓ on the compliance page: a session, a delivery or a recorded completion.
    Open to whoever sees the compliance page it was linked from (``?org=``)."""
    campaign = _visible_or_404(request, slug)
    org = _compliance_org(request, campaign)
    base = compliance_base_path(campaign, org)
    context = {"campaign": campaign, "org": org, "kind": kind}
    if kind == ProofKind.SESSION:
        session = get_object_or_404(Session.objects.select_related("org"), pk=pk, campaign=campaign,
                                    org_path__startswith=base)
        context.update(session=session, attendance=session.attendances.count())
    elif kind == ProofKind.DELIVERY:
        delivery = get_object_or_404(Delivery.objects.select_related("person__org", "delivered_by", "material"),
                                     pk=pk, campaign=campaign)
        member = getattr(delivery.person, "party_member", None)
        if not (delivery.person.org_path.startswith(base)
                or (member is not None and member.branch.path.startswith(base))):
            raise Http404
        context.update(delivery=delivery,
                       can_see_person=request.user.has_perm("people.view_person", delivery.person))
    elif kind == "completion":
        completion = get_object_or_404(
            TaskCompletion.objects.select_related("task", "org", "recorded_by", "session", "delivery"),
            pk=pk, task__campaign=campaign, org__path__startswith=base)
        context.update(completion=completion)
    else:
        raise Http404
    return render(request, "campaigns/proof.html", context)
