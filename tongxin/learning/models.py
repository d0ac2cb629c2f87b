"""Study: the weekly timetable, sessions and attendance, deliveries, materials, reflections and
bulletins. Coverage (who is reached and who is not) is defined on these in
``selectors.coverage`` and read from ``CoverageEntry``, which the services keep in step."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.orgs.models import Org
from tongxin.people.models import Person, PersonGroup


class SessionKind(models.TextChoices):
    GROUP_STUDY = "group_study", _("集中学习")
    PARTY_LECTURE = "party_lecture", _("党课")
    LECTURE = "lecture", _("讲堂")
    MICRO_CLASS = "micro_class", _("微课堂")
    FIELD_VISIT = "field_visit", _("参观见学")
    PARTY_DAY = "party_day", _("主题党日")
    OUTREACH = "outreach", _("宣讲")
    FORUM = "forum", _("座谈会")


class SpeakerRole(models.TextChoices):
    LEADERSHIP = "leadership", _("班子成员")
    COMMUNITY_SECRETARY = "community_secretary", _("社区书记")
    BRANCH_SECRETARY = "branch_secretary", _("支部书记")
    FIRST_SECRETARY = "first_secretary", _("第一书记")
    EXPERT = "expert", _("专家讲师")
    INSTRUCTOR = "instructor", _("区委指导员")
    VETERAN = "veteran", _("老党员/五老")
    RESIDENT = "resident", _("群众")
    OTHER = "other", _("其他")


class OutreachPlace(models.TextChoices):
    """五进: where an outreach talk goes."""

    SCHOOL = "school", _("进校园")
    ENTERPRISE = "enterprise", _("进企业")
    COMPOUND = "compound", _("进小区")
    SHOP = "shop", _("进商户")
    HOME = "home", _("进家庭")


class ScheduleItem(models.Model):
    """学习课表: a weekly slot, e.g. group study every Tuesday and Friday afternoon."""

    org = models.ForeignKey(Org, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="schedule_items")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="schedule_items")
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=[(0, _("周一")), (1, _("周二")), (2, _("周三")),
                                                                   (3, _("周四")), (4, _("周五")), (5, _("周六")),
                                                                   (6, _("周日"))])
    starts_at = models.TimeField(_("开始时间"))
    ends_at = models.TimeField(_("结束时间"))
    kind = models.CharField(_("形式"), max_length=20, choices=SessionKind.choices, default=SessionKind.GROUP_STUDY)
    topic = models.CharField(_("学习内容"), max_length=200)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("学习课表")
        verbose_name_plural = _("学习课表")
        ordering = ["org_path", "weekday", "starts_at"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M} {self.topic}"


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("未开始")
    OPEN = "open", _("签到中")
    CLOSED = "closed", _("已结束")


def _new_checkin_secret() -> str:
    return secrets.token_hex(16)


class Session(models.Model):
    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="sessions")
    org = models.ForeignKey(Org, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="sessions")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField(_("形式"), max_length=20, choices=SessionKind.choices)
    topic = models.CharField(_("主题"), max_length=200)
    speaker = models.CharField(_("主讲人"), max_length=50, blank=True)
    speaker_role = models.CharField(_("主讲人身份"), max_length=30, choices=SpeakerRole.choices, blank=True)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    outreach_place = models.CharField(_("五进场所"), max_length=20, choices=OutreachPlace.choices, blank=True)
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("人数上限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.PLANNED)
    # 签到人次: its attendances, kept by the services that write them (one ``+ n`` in the writer's
    # statement or transaction), so that the figures of a district add up sessions, not ten million
    # rows. Only those services write it; ``attendance_recount`` counts it again from the rows.
    attendance_count = models.PositiveIntegerField(_("签到人次"), default=0, editable=False)
    # Key of the rotating check-in code; never shown, so a code cannot be computed from outside.
    checkin_secret = models.CharField(max_length=32, default=_new_checkin_secret, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("学习活动")
        verbose_name_plural = _("学习活动")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["campaign", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gte=models.F("starts_at")), name="session_period_valid"),
        ]

    def __str__(self) -> str:
        return self.topic


class AttendanceMethod(models.TextChoices):
    QR = "qr", _("扫码签到")
    ROSTER = "roster", _("名单勾选")
    SIGN_SHEET = "sign_sheet", _("纸质签到表补录")


class Attendance(models.Model):
    """签到: one row per person per session, however often a check-in is retried."""

    # What the audit log shows for it: this and the id (also written by the check-in's SQL).
    REPR_PREFIX = "签到记录 #"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="attendances")
    # Copied from the session so coverage reads (campaign, person) from one index.
    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    method = models.CharField(_("方式"), max_length=12, choices=AttendanceMethod.choices)
    checked_in_at = models.DateTimeField(_("签到时间"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("签到")
        verbose_name_plural = _("签到")
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="attendance_once_per_session")]
        indexes = [
            # Coverage probes each person of an area for their first check-in in a campaign and
            # counts them by the session's kind: with the time in the key and the session
            # included, both are answered from the index alone (PostgreSQL; SQLite ignores
            # INCLUDE). It also serves every (campaign, person) lookup.
            models.Index(fields=["campaign", "person", "checked_in_at"], include=["session"],
                         name="attendance_coverage"),
        ]

    def __str__(self) -> str:
        return f"{self.REPR_PREFIX}{self.pk}"


class DeliveryKind(models.TextChoices):
    HOME = "home", _("送学上门")
    ONLINE = "online", _("网络助学")
    POCKET_BOOK = "pocket_book", _("口袋书")
    MP3 = "mp3", _("mp3 播放器")
    AUDIO_BOOK = "audio_book", _("有声书")


class Delivery(models.Model):
    """Study brought to one person: who delivered what to whom, when."""

    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="deliveries")
    person = models.ForeignKey(Person, verbose_name=_("对象"), on_delete=models.PROTECT, related_name="deliveries")
    kind = models.CharField(_("方式"), max_length=20, choices=DeliveryKind.choices)
    delivered_by = models.ForeignKey(Person, verbose_name=_("送学人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="deliveries_made")
    delivered_at = models.DateTimeField(_("时间"))
    material = models.ForeignKey("Material", verbose_name=_("学习材料"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="deliveries")
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("送学记录")
        verbose_name_plural = _("送学记录")
        ordering = ["-delivered_at"]
        indexes = [models.Index(fields=["campaign", "person"], name="delivery_campaign_person")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.delivered_at):%Y-%m-%d}"


class MaterialKind(models.TextChoices):
    BOOK = "book", _("书籍")
    POCKET_BOOK = "pocket_book", _("口袋书")
    AUDIO = "audio", _("音频")
    VIDEO = "video", _("视频")
    ARTICLE = "article", _("文章")
    MP3_PLAYER = "mp3_player", _("mp3 播放器")


class Material(models.Model):
    org = models.ForeignKey(Org, verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="materials")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="materials")
    title = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=MaterialKind.choices)
    stock = models.IntegerField(_("库存"), default=0)
    url = models.URLField(_("链接"), blank=True)

    class Meta:
        verbose_name = _("学习材料")
        verbose_name_plural = _("学习材料")
        ordering = ["org_path", "kind", "title"]
        constraints = [models.CheckConstraint(condition=models.Q(stock__gte=0), name="material_stock_not_negative")]

    def __str__(self) -> str:
        return self.title


class Distribution(models.Model):
    """Copies of a material handed to a person, or to a unit in bulk."""

    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="distributions")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="distributions")
    org = models.ForeignKey(Org, verbose_name=_("接收单位"), null=True, blank=True, on_delete=models.PROTECT,
                            related_name="distributions")
    quantity = models.PositiveIntegerField(_("数量"), default=1)
    distributed_at = models.DateTimeField(_("发放时间"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("发放记录")
        verbose_name_plural = _("发放记录")
        ordering = ["-distributed_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(person__isnull=False) | models.Q(org__isnull=False),
                                   name="distribution_has_recipient"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="distribution_quantity_positive"),
        ]

    def __str__(self) -> str:
        return _("发放 %(n)s 份 %(day)s") % {"n": self.quantity, "day": f"{timezone.localtime(self.distributed_at):%Y-%m-%d}"}


class ReflectionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审阅")
    APPROVED = "approved", _("已审阅")
    RETURNED = "returned", _("退回修改")


class Reflection(models.Model):
    """学习心得; reviewed by staff, the best selected as excellent (优质)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="reflections")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="reflections")
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="reflections")
    title = models.CharField(_("标题"), max_length=100)
    text = models.TextField(_("内容"))
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=10, choices=ReflectionStatus.choices,
                              default=ReflectionStatus.SUBMITTED)
    is_excellent = models.BooleanField(_("优质心得"), default=False)
    review_note = models.CharField(_("审阅意见"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("学习心得")
        verbose_name_plural = _("学习心得")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return self.title or _("学习心得 #%(pk)s") % {"pk": self.pk}


class Bulletin(models.Model):
    """简报: a bulletin an org produced about its work."""

    org = models.ForeignKey(Org, verbose_name=_("编发单位"), on_delete=models.PROTECT, related_name="bulletins")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="bulletins")
    issue_no = models.PositiveIntegerField(_("期号"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    published_on = models.DateField(_("编发日期"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("简报")
        verbose_name_plural = _("简报")
        ordering = ["-published_on", "-issue_no"]
        constraints = [models.UniqueConstraint(fields=["org", "campaign", "issue_no"], name="bulletin_issue_unique")]

    def __str__(self) -> str:
        return self.title


class TreePathField(models.CharField):
    """A copy of an org path, compared byte by byte: ``COLLATE "C"`` on PostgreSQL (SQLite
    compares bytes already). Then one btree index serves both a subtree (``LIKE '/1/2/%'``) and
    the tree's order (``/1/2/`` right before ``/1/2/3/``), whatever the database's locale."""

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class MemberClass(models.IntegerChoices):
    """How coverage counts a person among the groups (``CoverageEntry.member_class``)."""

    RESIDENT = 0, _("居民")
    REGULAR = 1, _("普通党员")
    INFIRM = 2, _("老弱病残党员")
    MOBILE = 3, _("流动党员")
    INFIRM_MOBILE = 4, _("老弱病残的流动党员")


def group_bit(code: str) -> int:
    """The bit of a ``PersonGroup`` in ``CoverageEntry.groups`` (in the order of its choices)."""
    return 1 << PersonGroup.values.index(code)


def way_bit(source: str, kind: str) -> int:
    """The bit of a way in ``CoverageEntry.ways``: the session kinds first, then the delivery
    kinds, each in the order of its choices. ``source`` is ``"session"`` or ``"delivery"``."""
    if source == "session":
        return 1 << SessionKind.values.index(kind)
    return 1 << (len(SessionKind.values) + DeliveryKind.values.index(kind))


class CoverageEntry(models.Model):
    """One target person of one campaign, and whether, when first and by which ways they are
    reached: coverage for a district is a grouped count over these rows instead of a probe of
    attendance and deliveries per person.

    What makes a row (who is in the target) and what it holds are defined in
    ``selectors.coverage``; ``services.coverage`` writes the rows — rebuilt for a campaign,
    refreshed for persons whose registry data changed, and marked reached by the check-in and
    delivery services in their own transaction. Never written anywhere else."""

    # No index of their own: every read and write names the campaign first, and the unique
    # (campaign, person) and the indexes below lead with it.
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+", db_index=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", db_index=False)
    name = models.CharField(max_length=50)
    # The person's place and its path; ``area``: the place a summary above the grids groups by
    # (a building's grid, else the place itself). ``branch``: a member's branch, else none.
    place = models.ForeignKey(Org, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                              related_name="+")
    place_path = TreePathField(max_length=255)
    area = models.ForeignKey(Org, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                             related_name="+")
    branch = models.ForeignKey(Org, null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                               related_name="+")
    branch_path = TreePathField(max_length=255, blank=True, default="")
    member_class = models.PositiveSmallIntegerField(choices=MemberClass.choices)
    groups = models.IntegerField(default=0)  # bits of ``group_bit``
    first_reached_at = models.DateTimeField(null=True)  # NULL: a gap
    ways = models.IntegerField(default=0)  # bits of ``way_bit``

    class Meta:
        verbose_name = _("覆盖明细")
        verbose_name_plural = _("覆盖明细")
        constraints = [models.UniqueConstraint(fields=["campaign", "person"], name="coverage_entry_once")]
        indexes = [
            # The summary of a place: the range of its subtree, answered from the index alone.
            models.Index(fields=["campaign", "place_path"],
                         include=["area", "member_class", "groups", "ways", "first_reached_at"],
                         name="coverage_entry_place"),
            # The summary of a unit or a party organisation: its members, by branch.
            models.Index(fields=["campaign", "branch_path"], condition=~models.Q(branch_path=""),
                         name="coverage_entry_branch"),
            # The gap list: only the gaps, already in the list's order (place, name).
            models.Index(fields=["campaign", "place_path", "name", "person"],
                         condition=models.Q(first_reached_at__isnull=True), name="coverage_entry_gap"),
        ]


class CoverageTally(models.Model):
    """The summary figures of one area (``CoverageEntry.area``) in one campaign, so that the
    summary of a street or a district adds up a few hundred tallies instead of counting a million
    rows. ``figures`` holds everything the summary counts, for the area's rows:

    * ``classes``: member class → [target, reached];
    * ``places``: place id → [target, reached] (the buildings of a grid, for its rows by place);
    * ``groups``: [[groups bits, target, reached], …] of the residents;
    * ``ways``: [[ways bits, persons], …] of the persons reached;
    * ``weeks``: the Monday of the week of first reach (ISO date, local time) → persons.

    Written only by ``selectors.coverage`` when it settles the areas marked ``CoverageDirty``, and
    by ``services.coverage.coverage_rebuild``."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+", db_index=False)
    area = models.ForeignKey(Org, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                             related_name="+")
    figures = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("覆盖汇总")
        verbose_name_plural = _("覆盖汇总")
        constraints = [models.UniqueConstraint(fields=["campaign", "area"], name="coverage_tally_once")]


class CoverageDirty(models.Model):
    """A change to an area's ``CoverageEntry`` rows since its tally was computed. Append-only, no
    unique constraint: the check-in hot path only inserts (no row to lock, nothing to wait for),
    and the next summary read takes them away (``selectors.coverage.tally``).

    Two kinds. A *reach* (``new_ways`` set) records one row's change as a person is reached, or
    reached earlier or by another way: its class, place and groups, and the row's first reach and
    ways before and after, which is all the tally needs to be brought up to date without counting
    the area again. A *recount* (the reach fields empty: a registry change, a refresh) asks for
    the area to be counted again from its rows."""

    id = models.BigAutoField(primary_key=True)
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(Org, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                             related_name="+")
    member_class = models.PositiveSmallIntegerField(null=True)
    place_id = models.BigIntegerField(null=True)
    groups = models.IntegerField(null=True)
    old_first = models.DateTimeField(null=True)
    new_first = models.DateTimeField(null=True)
    old_ways = models.IntegerField(null=True)
    new_ways = models.IntegerField(null=True)

    class Meta:
        verbose_name = _("待重算的覆盖汇总")
        verbose_name_plural = _("待重算的覆盖汇总")
