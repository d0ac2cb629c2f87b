"""Pages of points (积分) and the points store (积分超市).

On a phone, for a resident or member: my points (balance, the daily check-in, history), the
catalogue of their community with a redeem form, my codes (the pickup code large, with a QR code;
cancel a pending one). For staff of the community: the counter (核销), the catalogue, the earning
rules and the statement of a period. For staff and superiors: the figures (积分统计) of an org and
a period, its children side by side with drill-down, and their Excel download.
"""

from __future__ import annotations

import re
import tempfile
from datetime import date, timedelta

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.core.forms import add_service_errors
from tongxin.learning.services.exports import filename_part
from tongxin.learning.views.filters import paged, xlsx_response
from tongxin.orgs.models import Org
from tongxin.orgs.selectors import org_ancestors

from .figures import points_figures
from .forms import (
    CounterForm, FiguresPeriodForm, PeriodForm, RedeemForm, RestockForm, RewardCreateForm, RewardForm, RuleForm,
)
from .models import RedemptionStatus, Reward
from .selectors import pages as selectors
from .services.catalogue import REWARD_FIELDS, earning_rule_save, reward_create, reward_restock, reward_update
from .services.exports import figures_export_workbook, statement_export_workbook
from .services.ledger import CHECKIN, NotEnoughPoints, balance_of, community_of_path, points_checkin
from .services.store import OutOfStock, RedemptionConflict, redemption_cancel, redemption_create, redemption_verify


def qr_svg(data: str, label: str) -> str:
    """The QR code of ``data`` as inline SVG, drawn here (no script, no CDN) — as learning's."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    svg = re.sub(r'^<svg width="[^"]*" height="[^"]*"', "<svg", svg, count=1)
    return svg.replace("<svg", f'<svg role="img" aria-label="{label}" preserveAspectRatio="xMidYMid meet"', 1)


def _own_person(request):
    if not request.user.person_id:
        raise PermissionDenied(_("账号未关联人员，没有积分账户"))
    return request.user.person


def _checked_in_today(person) -> bool:
    return selectors.person_entries(person).filter(
        key=f"{CHECKIN}:{person.pk}:{timezone.localdate().isoformat()}").exists()


# --- A resident's pages -------------------------------------------------------------------------

@login_required
def my_points(request):
    person = _own_person(request)
    page, query = paged(request, selectors.person_entries(person))
    return render(request, "points/my_points.html", {
        "person": person, "balance": balance_of(person), "page": page, "query": query,
        "checked_in": _checked_in_today(person),
        "pending": selectors.person_redemptions(person, RedemptionStatus.PENDING).count(),
    })


@login_required
@require_POST
def checkin(request):
    person = _own_person(request)
    award = points_checkin(by=request.user, person=person)
    if award.entry is not None:
        messages.success(request, _("打卡成功，获得 %(n)d 积分") % {"n": award.points})
    elif award.capped:
        messages.info(request, _("今日打卡积分已达上限"))
    else:
        messages.info(request, _("本社区暂未开通打卡积分"))
    return redirect("points:my_points")


def _catalogue_page(request, person, forms_by_reward: dict | None = None, status: int = 200):
    community = community_of_path(person.org_path)
    rewards = list(selectors.catalogue_of(community))
    forms_by_reward = forms_by_reward or {}
    items = [(reward, forms_by_reward.get(reward.pk) or RedeemForm(prefix=f"r{reward.pk}")) for reward in rewards]
    return render(request, "points/catalogue.html", {
        "community": community, "items": items, "balance": balance_of(person)}, status=status)


@login_required
def catalogue(request):
    return _catalogue_page(request, _own_person(request))


@login_required
@require_POST
def redeem(request, reward_id: int):
    person = _own_person(request)
    reward = get_object_or_404(Reward, pk=reward_id)
    form = RedeemForm(request.POST, prefix=f"r{reward.pk}")
    if form.is_valid():
        try:
            redemption = redemption_create(by=request.user, person=person, reward=reward,
                                           quantity=form.cleaned_data["quantity"],
                                           # The key of the form names this reward too: a stale form of
                                           # another reward sent back never returns that one's redemption.
                                           key=f"{reward.pk}:{form.cleaned_data['key']}")
        except (NotEnoughPoints, OutOfStock) as error:
            form.add_error(None, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("兑换成功：%(name)s ×%(n)d，凭兑换码到社区领取") % {
                "name": reward.name, "n": redemption.quantity})
            return redirect("points:code_detail", code=redemption.code)
    return _catalogue_page(request, person, {reward.pk: form}, status=400)


@login_required
def my_codes(request):
    person = _own_person(request)
    status = request.GET.get("status", "")
    page, query = paged(request, selectors.person_redemptions(person, status))
    return render(request, "points/my_codes.html", {
        "page": page, "query": query, "status": status if status in RedemptionStatus.values else "",
        "statuses": RedemptionStatus.choices})


@login_required
def code_detail(request, code: str):
    person = _own_person(request)
    redemption = selectors.person_redemptions(person).filter(code=code.upper()).first()
    if redemption is None:
        raise Http404
    return render(request, "points/code_detail.html", {
        "r": redemption, "qr": qr_svg(_counter_url(request, redemption.code), _("兑换码二维码"))
        if redemption.status == "pending" else ""})


def _counter_url(request, code: str) -> str:
    """What the QR code holds: the counter page with the code filled in, so that staff scanning it
    with a phone's camera land on the redemption (a resident scanning it gets nothing)."""
    return request.build_absolute_uri(f"{reverse('points:counter')}?code={code}")


@login_required
@require_POST
def code_cancel(request, code: str):
    person = _own_person(request)
    redemption = selectors.person_redemptions(person).filter(code=code.upper()).first()
    if redemption is None:
        raise Http404
    try:
        redemption_cancel(by=request.user, redemption=redemption, reason=_("居民取消兑换"))
    except RedemptionConflict as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("已取消，%(n)d 积分已退回") % {"n": redemption.points})
    return redirect("points:my_codes")


# --- Staff pages --------------------------------------------------------------------------------

def _staff_org(request, orgs):
    """The org of ``?org=`` among those the account may run, else the first; none: 403."""
    orgs = list(orgs)
    if not orgs:
        raise PermissionDenied
    wanted = request.GET.get("org") or request.POST.get("org") or ""
    for org in orgs:
        if str(org.pk) == wanted:
            return org, orgs
    return orgs[0], orgs


@login_required
def counter(request):
    """Staff enter the code a resident shows: the redemption, and a button to hand it over."""
    if not selectors.store_communities(request.user).exists():
        raise PermissionDenied
    form = CounterForm(request.GET or None)
    redemption, problem = None, ""
    if form.is_bound and form.is_valid():
        redemption = selectors.redemption_by_code(form.cleaned_data["code"])
        if redemption is None or not request.user.has_perm("points.run_store", redemption.reward.org):
            redemption = None  # a code of another community is as unknown as a wrong one
            form.add_error("code", _("兑换码不存在，请核对后重新输入"))
        elif redemption.status == RedemptionStatus.FULFILLED:
            problem = _("该兑换码已于 %(at)s 核销领取，不能重复使用") % {
                "at": timezone.localtime(redemption.closed_at).strftime("%Y-%m-%d %H:%M")}
        elif redemption.status == RedemptionStatus.CANCELLED:
            problem = _("该兑换码已取消，积分已退回居民")
        elif redemption.status == RedemptionStatus.EXPIRED or redemption.expires_at < timezone.now():
            problem = _("该兑换码已过有效期（%(at)s），不能核销") % {
                "at": timezone.localtime(redemption.expires_at).strftime("%Y-%m-%d")}
    return render(request, "points/counter.html", {"form": form, "r": redemption, "problem": problem})


@login_required
@require_POST
def counter_verify(request, code: str):
    redemption = selectors.redemption_by_code(code)
    if redemption is None or not request.user.has_perm("points.run_store", redemption.reward.org):
        raise Http404
    try:
        redemption_verify(by=request.user, redemption=redemption)
    except RedemptionConflict as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("核销成功：%(name)s ×%(n)d 已交给 %(person)s") % {
            "name": redemption.reward.name, "n": redemption.quantity, "person": redemption.person.name})
    return redirect(f"{reverse('points:counter')}?code={redemption.code}")


@login_required
def catalogue_manage(request):
    org, orgs = _staff_org(request, selectors.store_communities(request.user))
    return render(request, "points/catalogue_manage.html", {
        "org": org, "orgs": orgs, "rewards": selectors.catalogue_of(org, on_sale_only=False),
        "restock_form": RestockForm()})


@login_required
def reward_new(request):
    org, _orgs = _staff_org(request, selectors.store_communities(request.user))
    form = RewardCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        stock = data.pop("stock")
        try:
            reward = reward_create(by=request.user, org=org, data=data, stock=stock)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已上架：%(name)s") % {"name": reward.name})
            return redirect(f"{reverse('points:catalogue_manage')}?org={org.pk}")
    return render(request, "points/reward_form.html", {"form": form, "org": org, "reward": None})


def _managed_reward(request, reward_id: int) -> Reward:
    reward = get_object_or_404(Reward.objects.select_related("org"), pk=reward_id)
    if not request.user.has_perm("points.run_store", reward.org):
        raise Http404
    return reward


@login_required
def reward_edit(request, reward_id: int):
    reward = _managed_reward(request, reward_id)
    form = RewardForm(request.POST or None, initial={name: getattr(reward, name) for name in REWARD_FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            reward_update(by=request.user, reward=reward, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已保存：%(name)s") % {"name": form.cleaned_data["name"]})
            return redirect(f"{reverse('points:catalogue_manage')}?org={reward.org_id}")
    return render(request, "points/reward_form.html", {"form": form, "org": reward.org, "reward": reward})


@login_required
@require_POST
def reward_restock_view(request, reward_id: int):
    reward = _managed_reward(request, reward_id)
    form = RestockForm(request.POST)
    if form.is_valid():
        try:
            reward = reward_restock(by=request.user, reward=reward, quantity=form.cleaned_data["quantity"])
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(request, _("已入库，%(name)s 现有库存 %(n)d") % {"name": reward.name, "n": reward.stock})
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect(f"{reverse('points:catalogue_manage')}?org={reward.org_id}")


@login_required
@require_POST
def reward_toggle(request, reward_id: int):
    """Take a reward off sale, or put it back."""
    reward = _managed_reward(request, reward_id)
    reward = reward_update(by=request.user, reward=reward, data={"active": not reward.active})
    done = _("已上架：%(name)s") if reward.active else _("已下架：%(name)s")
    messages.success(request, done % {"name": reward.name})
    return redirect(f"{reverse('points:catalogue_manage')}?org={reward.org_id}")


@login_required
def rules(request):
    org, orgs = _staff_org(request, selectors.rule_orgs(request.user))
    existing = {rule.action: rule for rule in selectors.rules_of(org)}
    if request.method == "POST":
        form = RuleForm(request.POST)
        if form.is_valid():
            try:
                earning_rule_save(by=request.user, org=org, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("积分规则已保存：%(action)s") % {"action": form.cleaned_data["action"]})
                return redirect(f"{reverse('points:rules')}?org={org.pk}")
    else:
        rule = existing.get(request.GET.get("action", ""))
        initial = {"action": rule.action, "points": rule.points, "daily_cap": rule.daily_cap,
                   "period_cap": rule.period_cap, "period": rule.period, "active": rule.active} if rule else None
        form = RuleForm(initial=initial)
    return render(request, "points/rules.html", {
        "org": org, "orgs": orgs, "rules": existing.values(), "form": form})


def _statement_period(request):
    today = timezone.localdate()
    form = PeriodForm(request.GET if "since" in request.GET else None,
                      initial={"since": today.replace(day=1), "until": today})
    since, until = today.replace(day=1), today
    if form.is_bound and form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    if until - since > timedelta(days=366):
        form.add_error("until", _("一次最多查询一年"))
        since = until - timedelta(days=366)
    return form, since, until


@login_required
def statement(request):
    org, orgs = _staff_org(request, selectors.store_communities(request.user))
    form, since, until = _statement_period(request)
    result = selectors.statement_for(org, since, until)
    entries, query = paged(request, result.entries)
    return render(request, "points/statement.html", {
        "org": org, "orgs": orgs, "form": form, "s": result, "page": entries, "query": query,
        "redemptions": result.redemptions[:200]})


@login_required
def statement_export(request):
    """The statement of the page, as .xlsx."""
    org, _orgs = _staff_org(request, selectors.store_communities(request.user))
    _form, since, until = _statement_period(request)
    out = tempfile.TemporaryFile()
    statement_export_workbook(by=request.user, statement=selectors.statement_for(org, since, until), out=out)
    filename = _("积分台账-%(org)s-%(since)s-%(until)s.xlsx") % {
        "org": filename_part(org.name), "since": since.strftime("%Y%m%d"), "until": until.strftime("%Y%m%d")}
    return xlsx_response(out, filename)


# --- Figures (积分统计) ---------------------------------------------------------------------------

FIGURES = "points.view_figures"


def _figures_org(request) -> tuple[Org, list[Org]]:
    """The org of ``?org=`` (an id) among those whose figures the account reads, else the highest
    of them. An id outside them — another street's, or none at all — is refused (403) rather than
    replaced, so that a drill-down link never quietly shows other figures than it names."""
    orgs = list(selectors.figures_orgs(request.user))
    if not orgs:
        raise PermissionDenied
    wanted = request.GET.get("org", "").strip()
    if not wanted:
        return min(orgs, key=lambda o: (o.depth, o.path)), orgs
    org = next((o for o in orgs if str(o.pk) == wanted), None)
    if org is None or not request.user.has_perm(FIGURES, org):
        raise PermissionDenied
    return org, orgs


def _figures_period(request) -> tuple[FiguresPeriodForm, date | None, date | None]:
    """The form of ``?from=&to=`` and its period (this month without them); no period if invalid."""
    today = timezone.localdate()
    first = today.replace(day=1)
    bound = "from" in request.GET or "to" in request.GET
    form = FiguresPeriodForm(request.GET if bound else None, initial={"from": first, "to": today})
    if not bound:
        return form, first, today
    if form.is_valid():
        return form, form.cleaned_data["from"], form.cleaned_data["to"]
    return form, None, None


def _figures_query(org_id: int, date_from: date, date_to: date) -> str:
    return urlencode({"org": org_id, "from": date_from.isoformat(), "to": date_to.isoformat()})


@login_required
def figures_page(request):
    org, orgs = _figures_org(request)
    form, date_from, date_to = _figures_period(request)
    user = request.user
    context = {"org": org, "orgs": orgs, "form": form, "runs_store": selectors.store_communities(user).exists(),
               "definitions": selectors.FIGURES_DEFINITIONS}
    if date_from is None:
        return render(request, "points/figures.html", context, status=400)
    f = points_figures(org, date_from, date_to)
    seen = {o.pk for o in orgs}

    def url(org_id: int) -> str:
        return f"{reverse('points:figures')}?{_figures_query(org_id, date_from, date_to)}"

    statuses = RedemptionStatus.choices
    return render(request, "points/figures.html", {
        **context, "f": f, "query": _figures_query(org.pk, date_from, date_to), "totals": selectors.figures_totals(f),
        "crumbs": [(o, url(o.pk)) for o in [*org_ancestors(org), org] if o.pk in seen],
        "actions": [{"m": m, "net": m.spent - m.refunded} for m in f.by_action],
        # A child is drilled into through the same check as ?org= (the picker's orgs).
        "children": [{"m": m, "net": m.spent - m.refunded,
                      "url": url(m.key) if m.key in seen and m.key != org.pk else None} for m in f.by_org],
        "top": [(earners[0].community, earners) for earners in f.top_earners.values()],
        "statuses": [label for _value, label in statuses],
        "rewards": [(r, [(value, r.by_status.get(value, 0)) for value, _label in statuses]) for r in f.rewards],
    })


@login_required
def figures_export(request):
    """The figures of the page, as .xlsx; a period the form refuses shows the page with its errors."""
    org, _orgs = _figures_org(request)
    _form, date_from, date_to = _figures_period(request)
    if date_from is None:
        return figures_page(request)
    out = tempfile.TemporaryFile()
    figures_export_workbook(by=request.user, figures=points_figures(org, date_from, date_to), out=out)
    filename = _("积分统计-%(org)s-%(from)s-%(to)s.xlsx") % {
        "org": filename_part(org.name), "from": date_from.strftime("%Y%m%d"), "to": date_to.strftime("%Y%m%d")}
    return xlsx_response(out, filename)
