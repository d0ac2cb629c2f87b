"""Pages of reflections (学习心得): a member writes one and revises it when returned; staff review
them and select the excellent ones (优质)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from tongxin.accounts.models import Role
from tongxin.accounts.selectors import scope_paths
from tongxin.core.forms import add_service_errors
from tongxin.people.models import Person

from ..forms.study import AREA_KINDS, ReflectionForm, ReviewForm, campaigns_seen_by
from ..models import ReflectionStatus
from ..permissions import MANAGE_ROLES
from ..selectors.study import (
    REFLECTION_SORTS, my_reflections, reflection_counts, reflection_get_visible, reflection_list,
)
from ..services.reflections import (
    ReviewDecision, decisions_open, may_review, reflection_resubmit, reflection_review, reflection_submit,
)
from .filters import campaign_param, org_param, orgs_in_scope, paged, sort_param

REVIEW_LIST_ROLES = (*MANAGE_ROLES, Role.SUPERIOR)


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
            add_service_errors(form, error)
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
            add_service_errors(form, error)
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
    org = org_param(request, "learning.view_coverage")
    campaign = campaign_param(request)
    status = request.GET.get("status", ReflectionStatus.SUBMITTED)
    filters = {
        "q": request.GET.get("q", "").strip(),
        "status": status if status in ReflectionStatus.values else "",
        "excellent": "yes" if request.GET.get("excellent") == "yes" else "",
        "sort": sort_param(request, REFLECTION_SORTS, "-date"),
    }
    qs = reflection_list(user=user, org=org, campaign=campaign, **filters)
    counts = reflection_counts(reflection_list(user=user, org=org, campaign=campaign, q=filters["q"]))
    page, query = paged(request, qs)
    return render(request, "learning/reflection_list.html", {
        "page": page, "query": query, "filters": filters, "org": org, "campaign": campaign, "counts": counts,
        "statuses": ReflectionStatus.choices, "orgs": orgs_in_scope(user, REVIEW_LIST_ROLES, AREA_KINDS),
        "campaigns": campaigns_seen_by(user),
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
            add_service_errors(form, error)
        except PermissionError:
            raise PermissionDenied from None
        else:
            messages.success(request, _("已%(decision)s：%(title)s") % {
                "decision": ReviewDecision(form.cleaned_data["decision"]).label, "title": reflection.title})
            return redirect(f"{reverse('learning:reflection_list')}?{urlencode({'status': ReflectionStatus.SUBMITTED})}")
    return render(request, "learning/reflection_review.html", {
        "reflection": reflection, "form": form, "can_review": can_review,
    })
