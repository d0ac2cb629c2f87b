"""Voices and follow-through: what residents say (``Voice``), the home visits where much of it is
heard (``Visit``, 民情日记), the workflow that carries each item to its end with a history row per
move (``VoiceEvent``), livelihood projects with resident supervisors (``Project``), the problem list
(``Rectification``) and good deeds (``GoodDeed``).

The four libraries: every accepted voice sits in the difficulty, problem or suggestion library
(``Voice.library``); the results library (成果库) is the voices resolved with their outcome."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.orgs.models import Household, Org
from tongxin.people.models import Person


class VoiceKind(models.TextChoices):
    OPINION = "opinion", _("意见")
    SUGGESTION = "suggestion", _("建议")
    WISH = "wish", _("心愿")
    DIFFICULTY = "difficulty", _("困难")
    COMPLAINT = "complaint", _("投诉")


class Channel(models.TextChoices):
    VISIT = "visit", _("入户走访")
    FORM = "form", _("意见征求表")
    FORUM = "forum", _("座谈会")
    ONLINE = "online", _("线上")
    HOTLINE = "hotline", _("热线电话")


class Library(models.TextChoices):
    DIFFICULTY = "difficulty", _("难点库")
    PROBLEM = "problem", _("问题库")
    SUGGESTION = "suggestion", _("建议库")


class VoiceStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    CLAIMED = "claimed", _("已接单")
    ASSIGNED = "assigned", _("已交办")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已办结")
    CLOSED = "closed", _("已关闭")
    REJECTED = "rejected", _("不予受理")
    REOPENED = "reopened", _("重新办理")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class VoiceCategory(models.Model):
    """A category of matters (物业, 养老, …) with the days allowed to resolve its items. Data, not
    code: the list and the deadlines are edited in the admin."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    deadline_days = models.PositiveSmallIntegerField(_("办理时限（天）"), default=15)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class VisitReason(models.TextChoices):
    """四访四问: who must be visited, and the question asked."""

    HARDSHIP = "hardship", _("困难户必访（问衣食住行）")
    RETURNED_WORKER = "returned_worker", _("外出务工返家人员必访（问就业现状）")
    PETITIONER = "petitioner", _("上访户必访（问事情原委）")
    OLD_SICK = "old_sick", _("老弱病必访（问身体健康）")


class Visit(models.Model):
    """A home visit (民情日记): who visited which household, when, why, and what was heard. Each
    item heard becomes a ``Voice`` of channel ``visit``."""

    household = models.ForeignKey(Household, verbose_name=_("走访户"), on_delete=models.PROTECT,
                                  related_name="visits")
    org = models.ForeignKey(Org, verbose_name=_("所在楼栋/网格"), on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("走访人"), on_delete=models.PROTECT,
                                related_name="visits_made")
    visitor_name = models.CharField(_("走访人姓名"), max_length=50)
    visited_at = models.DateTimeField(_("走访时间"))
    # 四访四问: one visit may answer several reasons (a hardship household with an old and sick member).
    for_hardship = models.BooleanField(VisitReason.HARDSHIP.label, default=False)
    for_returned_worker = models.BooleanField(VisitReason.RETURNED_WORKER.label, default=False)
    for_petitioner = models.BooleanField(VisitReason.PETITIONER.label, default=False)
    for_old_sick = models.BooleanField(VisitReason.OLD_SICK.label, default=False)
    notes = models.TextField(_("走访情况"), blank=True)
    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="visits")
    created_at = models.DateTimeField(auto_now_add=True)

    REASON_FIELDS = {
        VisitReason.HARDSHIP: "for_hardship",
        VisitReason.RETURNED_WORKER: "for_returned_worker",
        VisitReason.PETITIONER: "for_petitioner",
        VisitReason.OLD_SICK: "for_old_sick",
    }

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["household", "visited_at"], name="visit_household_at")]

    def __str__(self) -> str:
        return f"{self.household} {timezone.localtime(self.visited_at):%Y-%m-%d}"

    @property
    def reasons(self) -> list[str]:
        return [reason for reason, field in self.REASON_FIELDS.items() if getattr(self, field)]


class Voice(models.Model):
    """One thing a resident said: an opinion, suggestion, wish, difficulty or complaint.

    Private by default: only staff over its place, its speaker and whoever took it on see it. A
    ``public_summary`` written by staff without personal details may be published on the
    community's board. Its ``status`` moves only through ``services.workflow`` (the table of
    allowed moves is there), which writes a ``VoiceEvent`` for every move."""

    kind = models.CharField(_("类型"), max_length=20, choices=VoiceKind.choices)
    channel = models.CharField(_("来源渠道"), max_length=20, choices=Channel.choices)
    text = models.TextField(_("内容"))
    urgent = models.BooleanField(_("急难愁盼"), default=False)
    # Who said it: a person in the registry (or nobody known: a hotline call with no name).
    person = models.ForeignKey(Person, verbose_name=_("反映人"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="voices")
    speaker_name = models.CharField(_("反映人称呼"), max_length=50, blank=True)
    household = models.ForeignKey(Household, verbose_name=_("所在户"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="voices")
    org = models.ForeignKey(Org, verbose_name=_("所在网格/楼栋"), on_delete=models.PROTECT, related_name="voices")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="voices_recorded")
    visit = models.ForeignKey(Visit, verbose_name=_("走访记录"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="voices")
    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="voices")
    # Classification: suggested from the text, confirmed by staff when they accept.
    library = models.CharField(_("所属库"), max_length=20, choices=Library.choices, blank=True)
    category = models.ForeignKey(VoiceCategory, verbose_name=_("类别"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="voices")
    suggested_library = models.CharField(_("建议归库"), max_length=20, choices=Library.choices, blank=True)
    suggested_category = models.CharField(_("建议类别"), max_length=40, blank=True)
    duplicate_of = models.ForeignKey("self", verbose_name=_("合并到"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="duplicates")
    status = models.CharField(_("状态"), max_length=20, choices=VoiceStatus.choices, default=VoiceStatus.SUBMITTED)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)
    responded_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("办理时限"), null=True, blank=True)
    # Who handles it: a member, cadre or partner unit that claimed a wish, or the staff it was assigned to.
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("承办人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="voices_handled")
    handler_unit = models.ForeignKey(Org, verbose_name=_("承办单位"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="voices_handled")
    escalated_to = models.ForeignKey(Org, verbose_name=_("已上报至"), null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="voices_escalated")
    reject_reason = models.CharField(_("不予受理理由"), max_length=200, blank=True)
    resolution = models.TextField(_("办理结果"), blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    rating = models.CharField(_("满意度"), max_length=20, choices=Rating.choices, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    public_summary = models.CharField(_("公开摘要"), max_length=300, blank=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("群众心声")
        verbose_name_plural = _("群众心声")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["org_path", "status"], name="voice_path_status"),
            models.Index(fields=["status", "due_at"], name="voice_status_due"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(status="rejected") | ~Q(reject_reason=""),
                                   name="voice_rejected_has_reason"),
            models.CheckConstraint(condition=Q(duplicate_of__isnull=True) | ~Q(duplicate_of=models.F("id")),
                                   name="voice_not_duplicate_of_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status not in (VoiceStatus.RESOLVED, VoiceStatus.CLOSED, VoiceStatus.REJECTED)

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()


def voice_photo_path(photo: "VoicePhoto", filename: str) -> str:
    # The name is ours: an uploaded name may hold a person's name or odd characters.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"voices/{timezone.now():%Y/%m}/{photo.voice_id}-{timezone.now():%H%M%S%f}.{suffix}"


class VoicePhoto(models.Model):
    """A photo that comes with a voice or with its resolution (evidence). Served only through a
    view that checks who may see the voice."""

    voice = models.ForeignKey(Voice, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to=voice_photo_path)
    is_evidence = models.BooleanField(_("办结佐证"), default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.voice} 照片 #{self.pk}"


class VoiceAction(models.TextChoices):
    """What a history row records: a move of the table in ``services.workflow``, or a step
    that does not change the status."""

    SUBMIT = "submit", _("提交")
    ACCEPT = "accept", _("受理")
    REJECT = "reject", _("不予受理")
    CLAIM = "claim", _("接单")
    ASSIGN = "assign", _("交办")
    START = "start", _("开始办理")
    RESOLVE = "resolve", _("办结")
    RATE = "rate", _("评价")
    FOLLOW_UP = "follow_up", _("电话回访")
    CLOSE = "close", _("关闭")
    REOPEN = "reopen", _("重新办理")
    ESCALATE = "escalate", _("逾期上报")
    MERGE = "merge", _("合并重复")
    CLASSIFY = "classify", _("调整分类")
    PUBLISH = "publish", _("公开")
    UNPUBLISH = "unpublish", _("取消公开")
    NOTE = "note", _("备注")


class VoiceEvent(models.Model):
    """One row per move or step of a voice: who, when, from which status to which, and a note."""

    voice = models.ForeignKey(Voice, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("动作"), max_length=20, choices=VoiceAction.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=VoiceStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=VoiceStatus.choices, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(_("操作人姓名"), max_length=100, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["voice", "at"], name="voice_event_voice_at")]

    def __str__(self) -> str:
        return f"{self.voice} {self.get_action_display()}"


# --- Livelihood projects (民生实事) ------------------------------------------------------------

class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("谋划中")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")


class Project(models.Model):
    """A livelihood project: milestones give its progress; resident supervisors comment on it and
    confirm what is done."""

    org = models.ForeignKey(Org, verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="projects")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="projects")
    title = models.CharField(_("项目名称"), max_length=100)
    description = models.TextField(_("项目内容"), blank=True)
    owner = models.CharField(_("责任人/责任单位"), max_length=100)
    source_voice = models.ForeignKey(Voice, verbose_name=_("来源心声"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="projects")
    status = models.CharField(_("状态"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED)
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    due_on = models.DateField(_("计划完成日期"), null=True, blank=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    supervisors = models.ManyToManyField(Person, verbose_name=_("群众监督员"), through="ProjectSupervisor",
                                         related_name="projects_supervised", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("民生实事项目")
        verbose_name_plural = _("民生实事项目")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点"), max_length=100)
    weight = models.PositiveSmallIntegerField(_("权重"), default=1)
    due_on = models.DateField(_("计划日期"), null=True, blank=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("项目节点")
        verbose_name_plural = _("项目节点")
        ordering = ["order", "id"]
        constraints = [models.CheckConstraint(condition=Q(weight__gte=1), name="milestone_weight_positive")]

    def __str__(self) -> str:
        return self.title


class ProjectSupervisor(models.Model):
    """A resident who oversees a project (群众监督员)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="supervisor_links")
    person = models.ForeignKey(Person, verbose_name=_("监督员"), on_delete=models.PROTECT, related_name="+")
    appointed_on = models.DateField(_("聘任日期"), default=timezone.localdate)

    class Meta:
        verbose_name = _("项目监督员")
        verbose_name_plural = _("项目监督员")
        constraints = [models.UniqueConstraint(fields=["project", "person"], name="project_supervisor_unique")]

    def __str__(self) -> str:
        return f"{self.project} · {self.person}"


class SupervisorComment(models.Model):
    """A supervisor's comment on a project; with ``confirms`` it confirms a milestone is done."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments")
    person = models.ForeignKey(Person, verbose_name=_("监督员"), on_delete=models.PROTECT, related_name="+")
    milestone = models.ForeignKey(Milestone, verbose_name=_("节点"), null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="comments")
    confirms = models.BooleanField(_("确认完成"), default=False)
    text = models.CharField(_("意见"), max_length=500)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("监督意见")
        verbose_name_plural = _("监督意见")
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=Q(confirms=False) | Q(milestone__isnull=False),
                                              name="supervisor_confirms_a_milestone")]

    def __str__(self) -> str:
        return f"{self.project} · {self.person}"


# --- Problem list (问题清单, 检视整改) ------------------------------------------------------------

class RectificationSource(models.TextChoices):
    RESIDENTS = "residents", _("群众反映")
    SELF_REVIEW = "self_review", _("检视查摆")
    SUPERIOR = "superior", _("上级反馈")
    INSPECTION = "inspection", _("巡回指导组反馈")


class RectificationMode(models.TextChoices):
    IMMEDIATE = "immediate", _("立行立改")
    PHASED = "phased", _("分阶段整改")


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("未开始")
    IN_PROGRESS = "in_progress", _("正在整改")
    FIXED = "fixed", _("已完成整改")


class Rectification(models.Model):
    """An item of the problem list: fixed on the spot, or in phases with targets and due dates."""

    org = models.ForeignKey(Org, verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="rectifications")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="rectifications")
    item = models.CharField(_("问题"), max_length=300)
    source = models.CharField(_("来源"), max_length=20, choices=RectificationSource.choices)
    source_voice = models.ForeignKey(Voice, verbose_name=_("来源心声"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="rectifications")
    owner = models.CharField(_("责任人/责任单位"), max_length=100)
    mode = models.CharField(_("整改方式"), max_length=20, choices=RectificationMode.choices)
    status = models.CharField(_("状态"), max_length=20, choices=RectificationStatus.choices,
                              default=RectificationStatus.OPEN)
    measures = models.TextField(_("整改措施"), blank=True)
    due_on = models.DateField(_("完成时限"), null=True, blank=True)
    fixed_on = models.DateField(_("完成日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("问题清单")
        verbose_name_plural = _("问题清单")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.item[:40]


class RectificationPhase(models.Model):
    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(_("阶段"), default=1)
    target = models.CharField(_("阶段目标"), max_length=200)
    due_on = models.DateField(_("完成时限"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("整改阶段")
        verbose_name_plural = _("整改阶段")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["rectification", "order"], name="rectification_phase_unique")]

    def __str__(self) -> str:
        return f"{self.rectification} · {self.order}"


# --- Good deeds ----------------------------------------------------------------------------

class DeedKind(models.TextChoices):
    MEMBER = "member", _("党员办好一件实事")
    RESIDENT = "resident", _("居民办好一件小事")


class GoodDeed(models.Model):
    """"党员办好一件实事" and "居民办好一件小事": who did what, for whom, when."""

    kind = models.CharField(_("类型"), max_length=20, choices=DeedKind.choices)
    person = models.ForeignKey(Person, verbose_name=_("办事人"), on_delete=models.PROTECT, related_name="good_deeds")
    org = models.ForeignKey(Org, verbose_name=_("所在组织"), on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    what = models.CharField(_("事项"), max_length=300)
    for_whom = models.CharField(_("服务对象"), max_length=100, blank=True)
    done_on = models.DateField(_("日期"))
    voice = models.ForeignKey(Voice, verbose_name=_("对应心愿/诉求"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="good_deeds")
    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="good_deeds")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("好事实事")
        verbose_name_plural = _("好事实事")
        ordering = ["-done_on", "-id"]

    def __str__(self) -> str:
        return self.what[:40]
