"""Pages of livelihood projects (民生实事): the list with its counts, creating and editing one with
its milestones, and its page — milestones with the progress bar, supervisors and what they said.
Staff mark milestones done and appoint supervisors there; a supervisor comments and confirms
from it on a phone. ``my_supervised``: a resident's projects to supervise."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.learning.forms.study import AREA_KINDS, campaigns_seen_by
from tongxin.learning.views.filters import campaign_param, org_param, orgs_in_scope, paged, sort_param
from tongxin.people.models import Person

from ..forms.projects import (
    MilestoneAddForm, MilestoneDoneForm, MilestoneFormSet, MilestoneUndoForm, ProjectForm, SupervisorCommentForm,
    add_service_errors, manageable_orgs,
)
from ..models import Milestone, Project, ProjectStatus, Voice
from ..permissions import VIEW_ROLES
from ..selectors.projects import (
    PROJECT_SORTS, is_project_viewer, project_comments, project_counts, project_get_visible, project_list,
    project_milestones, project_supervisors, supervised_by, supervisor_candidates, supervisor_link,
)
from ..services.projects import (
    may_manage, milestone_add, milestone_done, milestone_undo, project_create, project_start, project_update,
    supervisor_appoint, supervisor_comment, supervisor_remove,
)


def _project(request, pk: int) -> Project:
    project = project_get_visible(user=request.user, pk=pk)
    if project is None:
        raise Http404
    return project


def _managed(request, pk: int) -> Project:
    """The project, for a step only its managers take (the service checks again)."""
    project = _project(request, pk)
    if not may_manage(request.user, project):
        raise PermissionDenied
    return project


def _detail_url(project: Project, anchor: str = "") -> str:
    url = reverse("voices:project_detail", args=[project.pk])
    return f"{url}#{anchor}" if anchor else url


def source_voice_param(request) -> Voice | None:
    """The voice named by ``?voice=`` (a project or an item started from a voice's page), if the
    account handles it."""
    voice_id = request.GET.get("voice", "").strip()
    if not voice_id:
        return None
    voice = get_object_or_404(Voice, pk=int(voice_id)) if voice_id.isdigit() else None
    if voice is None or not request.user.has_perm("voices.handle_voice", voice):
        raise Http404
    return voice


@login_required
def project_list_view(request):
    user = request.user
    if not is_project_viewer(user):
        raise PermissionDenied
    org = org_param(request, "voices.view_figures")
    campaign = campaign_param(request)
    status = request.GET.get("status", "")
    supervised = request.GET.get("supervised", "")
    filters = {
        "q": request.GET.get("q", "").strip(),
        "status": status if status in ProjectStatus.values else "",
        "overdue": request.GET.get("overdue") == "yes",
        "supervised": supervised if supervised in ("yes", "no") else "",
        "sort": sort_param(request, PROJECT_SORTS, "-created"),
    }
    page, query = paged(request, project_list(user=user, org=org, campaign=campaign, **filters))
    counts = project_counts(user=user, org=org, campaign=campaign, q=filters["q"], overdue=filters["overdue"],
                            supervised=filters["supervised"])
    return render(request, "voices/project_list.html", {
        "page": page, "query": query, "filters": filters, "org": org, "campaign": campaign, "counts": counts,
        "statuses": ProjectStatus.choices, "orgs": orgs_in_scope(user, VIEW_ROLES, AREA_KINDS),
        "campaigns": campaigns_seen_by(user), "can_create": manageable_orgs(user).exists(),
    })


@login_required
def project_create_view(request):
    user = request.user
    if not manageable_orgs(user).exists():
        raise PermissionDenied
    voice = source_voice_param(request)
    form = ProjectForm(request.POST or None, user=user, voice=voice)
    rows = MilestoneFormSet(request.POST or None, prefix="milestones")
    if request.method == "POST" and all([form.is_valid(), rows.is_valid()]):  # both, for every error at once
        data = form.cleaned_data
        try:
            project = project_create(by=user, org=data["org"], title=data["title"], owner=data["owner"],
                                     description=data["description"], campaign=data["campaign"],
                                     source_voice=data["source_voice"], starts_on=data["starts_on"],
                                     due_on=data["due_on"], milestones=rows.filled())
        except ValidationError as error:
            add_service_errors(form, error, "milestones", rows)
        except PermissionError:
            raise PermissionDenied from None
        else:
            messages.success(request, _("已创建民生实事项目：%(title)s") % {"title": project.title})
            return redirect("voices:project_detail", pk=project.pk)
    return render(request, "voices/project_form.html", {
        "form": form, "rows": rows, "voice": voice, "title": _("新建民生实事项目")})


@login_required
def project_edit_view(request, pk: int):
    user = request.user
    project = _managed(request, pk)
    form = ProjectForm(request.POST or None, user=user, voice=project.source_voice, with_org=False,
                       initial=ProjectForm.initial_from(project))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project_update(by=user, project=project, title=data["title"], owner=data["owner"],
                           description=data["description"], campaign=data["campaign"],
                           source_voice=data["source_voice"], starts_on=data["starts_on"], due_on=data["due_on"])
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionError:
            raise PermissionDenied from None
        else:
            messages.success(request, _("已保存"))
            return redirect("voices:project_detail", pk=project.pk)
    return render(request, "voices/project_form.html", {
        "form": form, "project": project, "title": _("修改项目：%(title)s") % {"title": project.title}})


def _render_detail(request, project: Project, *, bound: dict | None = None):
    """The project's page. ``bound``: a form sent with an error, shown in its place with what was
    typed — ``("done" | "undo" | "comment", milestone id or None) → form``, ``"add" → form``."""
    user = request.user
    bound = bound or {}
    can_manage = may_manage(user, project)
    link = supervisor_link(project, getattr(user, "person_id", None))
    milestones = project_milestones(project)
    for m in milestones:
        m.confirmed_by_me = link is not None and any(c.person_id == link.person_id for c in m.confirmations)
        if can_manage:
            m.done_form = bound.get(("done", m.pk)) or MilestoneDoneForm(auto_id=f"done{m.pk}_%s")
            m.undo_form = bound.get(("undo", m.pk)) or MilestoneUndoForm(auto_id=f"undo{m.pk}_%s")
        if link is not None:
            m.comment_form = bound.get(("comment", m.pk)) or SupervisorCommentForm(
                project=project, auto_id=f"c{m.pk}_%s")
    q = request.GET.get("q", "").strip() if can_manage else ""
    return render(request, "voices/project_detail.html", {
        "project": project, "milestones": milestones, "supervisors": project_supervisors(project),
        "comments": project_comments(project), "can_manage": can_manage, "is_supervisor": link is not None,
        "q": q, "candidates": supervisor_candidates(project, q) if q else [],
        "add_form": bound.get("add") or (MilestoneAddForm() if can_manage else None),
        "comment_form": bound.get(("comment", None)) or (
            SupervisorCommentForm(project=project) if link is not None else None),
        "can_start": can_manage and project.status == ProjectStatus.PLANNED,
        "can_add": can_manage and project.status != ProjectStatus.DONE,
    })


@login_required
def project_detail_view(request, pk: int):
    return _render_detail(request, _project(request, pk))


def _milestone(project: Project, milestone_pk: int) -> Milestone:
    return get_object_or_404(Milestone.objects.select_related("project__org"), pk=milestone_pk, project=project)


@login_required
@require_POST
def project_start_view(request, pk: int):
    project = _managed(request, pk)
    try:
        project_start(by=request.user, project=project)
    except PermissionError:
        raise PermissionDenied from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("项目已开始推进"))
    return redirect(_detail_url(project))


@login_required
@require_POST
def milestone_add_view(request, pk: int):
    project = _managed(request, pk)
    form = MilestoneAddForm(request.POST)
    if form.is_valid():
        try:
            milestone_add(by=request.user, project=project, **form.cleaned_data)
        except PermissionError:
            raise PermissionDenied from None
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已增加节点：%(title)s") % {"title": form.cleaned_data["title"]})
            return redirect(_detail_url(project, "milestones"))
    return _render_detail(request, project, bound={"add": form})


@login_required
@require_POST
def milestone_done_view(request, pk: int, milestone_pk: int):
    project = _managed(request, pk)
    milestone = _milestone(project, milestone_pk)
    form = MilestoneDoneForm(request.POST, auto_id=f"done{milestone.pk}_%s")
    if form.is_valid():
        try:
            milestone_done(by=request.user, milestone=milestone, **form.cleaned_data)
        except PermissionError:
            raise PermissionDenied from None
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已标记完成：%(title)s") % {"title": milestone.title})
            return redirect(_detail_url(project, f"milestone-{milestone.pk}"))
    return _render_detail(request, project, bound={("done", milestone.pk): form})


@login_required
@require_POST
def milestone_undo_view(request, pk: int, milestone_pk: int):
    project = _managed(request, pk)
    milestone = _milestone(project, milestone_pk)
    form = MilestoneUndoForm(request.POST, auto_id=f"undo{milestone.pk}_%s")
    if form.is_valid():
        try:
            milestone_undo(by=request.user, milestone=milestone, reason=form.cleaned_data["reason"])
        except PermissionError:
            raise PermissionDenied from None
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已撤销完成：%(title)s") % {"title": milestone.title})
            return redirect(_detail_url(project, f"milestone-{milestone.pk}"))
    return _render_detail(request, project, bound={("undo", milestone.pk): form})


@login_required
@require_POST
def supervisor_appoint_view(request, pk: int):
    project = _managed(request, pk)
    person_id = request.POST.get("person", "")
    person = get_object_or_404(Person, pk=int(person_id)) if person_id.isdigit() else None
    if person is None:
        raise Http404
    try:
        supervisor_appoint(by=request.user, project=project, person=person)
    except PermissionError:
        raise PermissionDenied from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"{_detail_url(project)}?{urlencode({'q': request.POST.get('q', '')})}#supervisors")
    messages.success(request, _("已聘任 %(name)s 为群众监督员") % {"name": person.name})
    return redirect(_detail_url(project, "supervisors"))


@login_required
@require_POST
def supervisor_remove_view(request, pk: int, person_pk: int):
    project = _managed(request, pk)
    person = get_object_or_404(Person, pk=person_pk)
    try:
        supervisor_remove(by=request.user, project=project, person=person)
    except PermissionError:
        raise PermissionDenied from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已解聘监督员 %(name)s") % {"name": person.name})
    return redirect(_detail_url(project, "supervisors"))


@login_required
@require_POST
def supervisor_comment_view(request, pk: int):
    project = _project(request, pk)
    if supervisor_link(project, getattr(request.user, "person_id", None)) is None:
        raise PermissionDenied
    form = SupervisorCommentForm(request.POST, project=project)
    if form.is_valid():
        data = form.cleaned_data
        try:
            supervisor_comment(by=request.user, project=project, text=data["text"], milestone=data["milestone"],
                               confirms=data["confirms"])
        except PermissionError:
            raise PermissionDenied from None
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已确认该节点完成，谢谢您的监督") if data["confirms"]
                             else _("监督意见已提交，谢谢您的监督"))
            anchor = f"milestone-{data['milestone'].pk}" if data["milestone"] else "comments"
            return redirect(_detail_url(project, anchor))
    # Shown again where it was typed: under its milestone, or as the comment on the whole project.
    raw = request.POST.get("milestone", "")
    key = int(raw) if raw.isdigit() and project.milestones.filter(pk=int(raw)).exists() else None
    if key is not None:
        form.auto_id = f"c{key}_%s"  # the ids of that milestone's form
    return _render_detail(request, project, bound={("comment", key): form})


@login_required
def my_supervised_view(request):
    """A resident's projects to supervise, with what waits for their confirmation."""
    person_id = getattr(request.user, "person_id", None)
    if not person_id:
        raise PermissionDenied(_("账号未关联人员"))
    projects = list(supervised_by(request.user.person)[:100])
    return render(request, "voices/project_mine.html", {"projects": projects})
