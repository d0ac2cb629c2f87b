"""The editable texts of the progress report (工作开展情况报告): its parts, their default wording in
the voice of the seeds, the slots that put figures in them, and who may change them.

A part is text with *slots*: ``{sessions}``, ``{coverage_rate}``, ``{sessions.party_lecture}`` (any
key of ``selectors.figures.CATALOGUE``), and a few that are not figures: ``{org}``, ``{campaign}``,
``{period}``, and in the problems part ``{problems_found}``, the problems the records suggest (see
``services.progress``). No figure is ever typed: ``fill`` writes each one from the records.

**How a figure is written** (``figure_text``): as the report's tables show it, with its unit right
after it, as the seeds write "送学上门活动 80 余人次" without the 余: "1,339人次", "12场", a rate as
"85.4%"; a figure that has no value (a rate with nothing to divide by, e.g. no rating yet) as "—",
which is also what the tables show, rather than a 0 that would be untrue.

**Which text a report uses** (``report_texts_effective``): the text saved for the report's org and
campaign; else the org's general text (saved without a campaign); else the same two of the nearest
org above it (a street's wording serves its communities, with ``{org}`` naming each); else
``DEFAULT_TEXTS``. A saved text that no longer passes ``check_template`` (a figure dropped from the
catalogue since) is passed over, so that a report never shows a raw slot.

**Who may edit**: street admins and community workers over the org (``may_edit_report_texts``);
superiors, grid workers and building heads read the report and its texts but do not write them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.models import Role
from tongxin.accounts.selectors import has_role_over
from tongxin.campaigns.models import Campaign
from tongxin.core.audit import AuditAction, audit_record
from tongxin.orgs.models import Org

from ..models import ReportText
from ..selectors.figures import DEFS, Figure, ReportFigures

EDIT_ROLES = (Role.STREET_ADMIN, Role.COMMUNITY_WORKER)
TEXT_MAX_LENGTH = 4000

# The parts in the order of the report: the opening, one per area of 一、工作开展情况, 二 and 三.
PARTS = {
    "opening": gettext_lazy("开头"),
    "learning": gettext_lazy("学习教育与覆盖"),
    "voices": gettext_lazy("听民声办实事"),
    "points": gettext_lazy("积分激励"),
    "actions": gettext_lazy("规定动作"),
    "problems": gettext_lazy("存在的问题"),
    "next_steps": gettext_lazy("下步打算"),
}
AREA_PARTS = ("learning", "voices", "points", "actions")

# Slots that are not figures, with their Chinese names; ``{problems_found}`` only in the problems.
CONTEXT_SLOTS = {
    "org": gettext_lazy("本组织名称"),
    "campaign": gettext_lazy("活动名称（如“感党恩、听党话、跟党走”群众性教育实践活动）"),
    "period": gettext_lazy("统计期间（如2024年9月10日至10月31日）"),
}
PROBLEMS_SLOT = "problems_found"
PROBLEMS_SLOT_LABEL = gettext_lazy("根据数据提示的问题（逐条成段）")

DEFAULT_TEXTS = {
    "opening": (
        "自开展{campaign}以来，{org}认真贯彻落实上级党委安排部署，把开展好实践活动作为当前首要的政治任务，"
        "紧紧抓住党员群众教育学习“全覆盖”这个核心，开拓创新、真抓实干，推动教育实践活动走深走实。"
        "{period}，共开展各类学习教育活动{sessions}，参加学习{attendance}，党员群众学习覆盖率达到{coverage_rate}；"
        "收集群众心声{voices}，办好事实事{good_deeds}。现将有关情况报告如下。"
    ),
    "learning": (
        "始终把学习教育摆在第一位，建立班子成员包片、机关干部包楼、社区成员包户工作模式，推动力量全面下沉，"
        "形成上下联动、部门参与、全面覆盖的“立体化”学习架构。\n"
        "一是坚持分类指导。针对党员层面定期开展集中学习，对老党员、行动不便党员采取“送学上门”“网络助学”等方式"
        "进行学习指导，对流动党员采取发放“口袋书”、微信推送的方式开展学习。共开展集中学习、党课、讲堂等各类学习"
        "活动{sessions}，其中集中学习{sessions.group_study}、党课{sessions.party_lecture}，参加学习{attendance}；"
        "送学{deliveries}，其中送学上门{deliveries.home}；发放学习材料{materials}。\n"
        "二是推动学习全覆盖。坚持“教不漏项、学不漏人”，逐户逐人对账销号，活动应覆盖党员群众{coverage_target}，"
        "已覆盖{coverage_reached}，学习覆盖率达到{coverage_rate}。\n"
        "三是注重成果转化。引导党员群众结合实际谈体会、写心得，共收集学习心得{reflections}，评选优秀心得"
        "{reflections_excellent}，编发教育实践简报{bulletins}，营造比学赶超的浓厚氛围。"
    ),
    "voices": (
        "牢固树立群众观点，积极倾听群众心声、回应群众关切，竭力为群众办实事、解难事、做好事。\n"
        "一是深入走访听民声。组织党员干部、网格员开展“四访四问”，走访群众{households_visited}、共{visits}，"
        "其中走访困难户{hardship_visited}；收集群众意见建议和心愿{voices}，分门别类建立难点库、问题库、建议库。\n"
        "二是认领心愿办实事。通过开门纳谏征集群众“心愿清单”，由党员干部、共建单位主动“接单”，收到群众微心愿"
        "{wishes}，已认领{wishes_claimed}，已实现{wishes_resolved}；党员群众办好事实事{good_deeds}。推进民生实事"
        "项目{projects}，已完成{projects_done}，聘请群众监督员{project_supervisors}。\n"
        "三是边查边改抓整改。坚持边学习、边检视、边整改，梳理形成问题清单{rectifications}，已完成整改"
        "{rectifications_fixed}，正在整改{rectifications_in_progress}。群众诉求响应率{response_rate}，"
        "解决率{resolution_rate}，满意率{satisfaction_rate}。"
    ),
    "points": (
        "重点围绕提高群众知晓率、参与度，推出积分激励措施，参与学习、志愿服务的群众打卡换取积分，通过积分兑换"
        "商品和物业优惠服务，提高了群众参与的积极性。期间共为{points_participants}发放积分{points_earned}，"
        "群众兑换{redemptions}，使用积分{points_redeemed}。"
    ),
    "actions": (
        "按照“规定动作到位、自选动作出彩”的工作思路，对照活动方案逐项明确任务、责任和时限，每周调度推进情况，"
        "表扬先进、督促后进。各单位应完成规定动作{actions_required}，已完成{actions_done}，完成率"
        "{actions_done_rate}，逾期未完成{actions_overdue}。"
    ),
    "problems": (
        "虽然{campaign}取得了阶段性成效，但对照上级要求和群众期盼，仍存在一些问题和不足。\n"
        "{problems_found}"
    ),
    "next_steps": (
        "下一步，{org}将按照上级党组织的部署要求，坚持问题导向，高标准高质量推进教育实践活动各项任务落实落细落地。\n"
        "一是在深学细悟上持续用力。结合学习课表，分类推进集中学习、送学上门、网络助学，对尚未参加学习的党员群众"
        "逐人对账、上门补学，确保学习教育不漏一人。\n"
        "二是在为民服务上持续用力。持续面向辖区群众征求意见建议，对收集的群众心声逐件跟踪、限时办结、及时回访，"
        "确保惠民实事做到群众心坎上。\n"
        "三是在检视整改上从严从紧。对照规定动作和问题清单，逐项督导、清单化落实，表扬先进、督促后进，以教育实践"
        "活动的生动实践推动各项工作高质量发展。"
    ),
}

# A slot: a name in braces. Dots are part of names (``{sessions.party_lecture}``), so the slots are
# filled with this pattern, never with ``str.format``.
SLOT = re.compile(r"\{([^{}\n]*)\}")
# Full-width braces, as a Chinese input method types them, are slots too.
_WIDE_BRACES = str.maketrans({"｛": "{", "｝": "}"})
# What the seeds type where a figure goes: "***%", "XX 次", "×× 余本". A report never writes those.
_TYPED_PLACEHOLDER = re.compile(r"[*＊]|[XＸ]{2}|×{2}")


def figure_text(figure: Figure) -> str:
    """A figure as the report writes it: "1,339人次", "12场", "85.4%"; "—" without a value."""
    if figure.value is None:
        return "—"
    if figure.unit == "%":
        return figure.shown
    return f"{figure.shown}{figure.unit}"


def normalize_text(text: str) -> str:
    """Line breaks as "\\n", full-width braces as slots' braces, no blank around the text."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").translate(_WIDE_BRACES).strip()


def slot_names(part: str | None = None) -> dict[str, str]:
    """Every slot a part may hold, with its Chinese name: the context slots, the figures (with
    their unit), and in the problems part the problems the records suggest."""
    names = {key: str(label) for key, label in CONTEXT_SLOTS.items()}
    if part in (None, "problems"):
        names[PROBLEMS_SLOT] = str(PROBLEMS_SLOT_LABEL)
    for key, definition in DEFS.items():
        names[key] = f"{definition.label}（{definition.unit}）"
    return names


def check_template(text: str, part: str | None = None) -> None:
    """Refuse, in Chinese and naming each slot, what ``fill`` could not write: unknown slots,
    unbalanced braces, figures typed as "*" or "XX", an empty or overlong text. ``part`` limits
    ``{problems_found}`` to the problems part."""
    text = normalize_text(text)
    errors: list[str] = []
    if not text:
        raise ValidationError(_("内容不能为空；要使用默认文字，请点“恢复默认”"))
    if len(text) > TEXT_MAX_LENGTH:
        errors.append(_("内容不能超过 %(n)s 个字") % {"n": TEXT_MAX_LENGTH})
    known = slot_names(part)
    depth, start = 0, 0
    for index, char in enumerate(text):
        if char == "{":
            if depth:
                errors.append(_("“%(fragment)s”缺少右花括号“}”") % {"fragment": text[start:index][:20]})
            depth, start = 1, index
        elif char == "}":
            if not depth:
                errors.append(_("“%(fragment)s”多了一个右花括号“}”，没有对应的“{”")
                              % {"fragment": text[max(0, index - 12):index + 1]})
            depth = 0
    if depth:
        errors.append(_("“%(fragment)s”缺少右花括号“}”") % {"fragment": text[start:start + 20]})
    for match in SLOT.finditer(text):
        name = match.group(1).strip()
        if name == PROBLEMS_SLOT and part not in (None, "problems"):
            errors.append(_("“{%(slot)s}”只能用在“存在的问题”中") % {"slot": name})
        elif name not in known:
            errors.append(_("未知的数据项“{%(slot)s}”，请从数据项列表中选择") % {"slot": name})
    placeholder = _TYPED_PLACEHOLDER.search(text)
    if placeholder:
        errors.append(_("请不要用“%(typed)s”代替数字：数字由系统按数据项填写，如 {sessions}")
                      % {"typed": placeholder.group(0)})
    if errors:
        raise ValidationError(list(dict.fromkeys(errors)))


def fill(text: str, figures: ReportFigures, context: Mapping[str, str] | None = None, *,
         written: list[tuple[str, str]] | None = None) -> str:
    """``text`` with each slot written: a figure as ``figure_text`` writes it, a context slot from
    ``context``. Each figure written is appended to ``written`` as (key, text), so that a test
    can find every one of them in the document. An unknown slot raises ``KeyError``: texts are
    checked when saved, and passed over when they no longer pass (``report_texts_effective``)."""
    context = context or {}

    def write(match: re.Match) -> str:
        name = match.group(1).strip()
        if name in context:
            return context[name]
        shown = figure_text(figures[name])
        if written is not None:
            written.append((name, shown))
        return shown

    return SLOT.sub(write, normalize_text(text))


# --- Who may edit, which text is used ----------------------------------------------------------

def may_edit_report_texts(user, org: Org) -> bool:
    """Street admins and community workers over ``org`` (who also read its figures)."""
    return (getattr(user, "is_authenticated", False) and user.has_perm("reports.view_figures", org)
            and has_role_over(user, EDIT_ROLES, org.path))


@dataclass(frozen=True)
class EffectiveText:
    part: str
    text: str
    saved: ReportText | None  # None: the default

    @property
    def source(self) -> str:
        """Where the text comes from, in Chinese, for the editing page."""
        if self.saved is None:
            return _("系统默认")
        if self.saved.campaign_id:
            return _("%(org)s · 本活动专用") % {"org": self.saved.org.name}
        return _("%(org)s · 各活动通用") % {"org": self.saved.org.name}


def report_texts_effective(org: Org, campaign: Campaign | None) -> dict[str, EffectiveText]:
    """The text each part of ``org``'s report for ``campaign`` uses (see the module docstring for
    the order), in one query."""
    lineage = [org.pk, *reversed(org.ancestor_ids)]  # nearest first
    campaign_q = Q(campaign__isnull=True) | (Q(campaign=campaign) if campaign is not None else Q(pk__in=[]))
    saved: dict[tuple[int, bool, str], ReportText] = {
        (t.org_id, t.campaign_id is not None, t.part): t
        for t in ReportText.objects.filter(campaign_q, org_id__in=lineage, part__in=list(PARTS)).select_related("org")
    }
    result = {}
    for part in PARTS:
        chosen = None
        for org_id in lineage:
            for own_campaign in (True, False):
                candidate = saved.get((org_id, own_campaign, part))
                if candidate is not None and _passes(candidate.text, part):
                    chosen = candidate
                    break
            if chosen is not None:
                break
        result[part] = EffectiveText(part, chosen.text if chosen else DEFAULT_TEXTS[part], chosen)
    return result


def report_text_effective(org: Org, campaign: Campaign | None, part: str) -> EffectiveText:
    return report_texts_effective(org, campaign)[part]


def _passes(text: str, part: str) -> bool:
    try:
        check_template(text, part)
    except ValidationError:
        return False
    return True


# --- Writes ---------------------------------------------------------------------------------------

def _require_editor(by, org: Org) -> None:
    if not may_edit_report_texts(by, org):
        raise PermissionError(_("无权修改该组织的报告文字"))


def _require_part(part: str) -> None:
    if part not in PARTS:
        raise ValidationError({"part": _("没有这一段落")})


def campaign_runs_in(campaign: Campaign, org: Org) -> bool:
    """The campaign's scope holds the org, or lies inside it (a district's report of a street's campaign)."""
    return org.path.startswith(campaign.scope_path) or campaign.scope_path.startswith(org.path)


def require_campaign_of(org: Org, campaign: Campaign | None) -> None:
    if campaign is not None and not campaign_runs_in(campaign, org):
        raise ValidationError({"campaign": _("“%(campaign)s”不在%(org)s开展，请选择本组织的主题活动") % {
            "campaign": campaign.name, "org": org.name}})


@transaction.atomic
def report_text_save(*, by, org: Org, campaign: Campaign | None, part: str, text: str) -> ReportText:
    """Save ``org``'s wording of ``part``: for ``campaign`` only, or (``campaign=None``) for every
    campaign of the org and of the orgs below it that have none of their own. The text is checked
    (``check_template``; errors in Chinese, naming the slot). Audited with the text before and after."""
    _require_editor(by, org)
    _require_part(part)
    require_campaign_of(org, campaign)
    text = normalize_text(text)
    try:
        check_template(text, part)
    except ValidationError as error:
        raise ValidationError({"text": error.messages}) from None
    saved = ReportText.objects.select_for_update().filter(org=org, campaign=campaign, part=part).first()
    before = saved.text if saved is not None else None
    if saved is None:
        saved = ReportText(org=org, campaign=campaign, part=part)
    saved.text, saved.updated_by = text, by
    saved.save()
    if before != text:
        audit_record(by=by, action=AuditAction.REPORT_TEXT_SAVED, obj=saved, changes={
            "org": org.code, "campaign": campaign.slug if campaign else None, "part": part,
            "text": [before, text]})
    return saved


@transaction.atomic
def report_text_reset(*, by, org: Org, campaign: Campaign | None, part: str) -> bool:
    """"恢复默认": drop ``org``'s own wording of ``part`` (for ``campaign``, or its general one),
    so that the report falls back as ``report_texts_effective`` says. Audited as a save of no
    text. Returns whether there was one to drop."""
    _require_editor(by, org)
    _require_part(part)
    saved = ReportText.objects.select_for_update().filter(org=org, campaign=campaign, part=part).first()
    if saved is None:
        return False
    audit_record(by=by, action=AuditAction.REPORT_TEXT_SAVED, obj=saved, changes={
        "org": org.code, "campaign": campaign.slug if campaign else None, "part": part,
        "text": [saved.text, None], "reset": True})
    saved.delete()
    return True
