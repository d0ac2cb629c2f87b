"""Persons, party members, groups, responsibility, study pairs and supervisors.

ID and phone numbers are stored only encrypted (``*_encrypted``) with a keyed hash for look-up
(``*_hash``); see ``tongxin.core.personal_data``. Read them through ``selectors`` or the
``masked`` properties, never by decrypting in a template.
"""

from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from django.db.models.functions import Right
from django.utils.translation import gettext_lazy as _

from tongxin.core import personal_data
from tongxin.core.identity import mask_id_number
from tongxin.orgs.models import Household, Org


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class PersonGroup(models.TextChoices):
    """人员类别: the groups a campaign may target and coverage is broken down by."""

    STUDENT = "student", _("学生")
    ENTERPRISE_STAFF = "enterprise_staff", _("企业职工")
    SHOP_OWNER = "shop_owner", _("个体商户")
    RETIRED = "retired", _("退休人员")
    CIVIL_SERVANT = "civil_servant", _("机关事业单位人员")
    FARMER_HERDER = "farmer_herder", _("农牧民")
    MIGRANT_WORKER = "migrant_worker", _("外出务工人员")
    UNEMPLOYED = "unemployed", _("失业人员")
    ELDERLY = "elderly", _("老年人")
    DISABLED = "disabled", _("残疾人")
    VETERAN = "veteran", _("退役军人")
    NEW_EMPLOYMENT = "new_employment", _("新就业群体")


class Person(models.Model):
    name = models.CharField(_("姓名"), max_length=50)
    # Pinyin initials of the name (张三 → zs), for search on a phone keyboard.
    name_initials = models.CharField(max_length=50, db_index=True, editable=False)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_number_encrypted = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)
    phone_encrypted = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, db_index=True, blank=True, editable=False)
    # What everyone may see (138****5678); also searchable.
    phone_masked = models.CharField(_("手机号"), max_length=11, db_index=True, blank=True, editable=False)
    household = models.ForeignKey(
        Household, verbose_name=_("户"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    # The finest place the person belongs to (building, else grid, else community) and a copy
    # of its path, so subtree filters on people need no join (see orgs.models).
    org = models.ForeignKey(Org, verbose_name=_("所在网格/楼栋"), on_delete=models.PROTECT, related_name="people")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    is_active = models.BooleanField(_("在册"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["org_path", "name", "id"]
        indexes = [
            # Search by the start of a name (name LIKE '王%') within a scope (org_path LIKE
            # '/1/2/%'). On PostgreSQL a plain btree serves LIKE only under the C collation; the
            # pattern operator class works under any. With the scope columns in the index, the
            # total of a search ("87,514 results") is counted from the index alone.
            models.Index(fields=["name", "org_path", "is_active"], name="person_name_search_idx",
                         opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "bool_ops"]),
            # Search by the last four digits of the phone: ``selectors.search_q`` compares this
            # very expression, which an index can serve, where LIKE '%1234' scans every row.
            models.Index(Right("phone_masked", 4), name="person_phone_last4_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number(self) -> str:
        """The full ID number. Only services that check ``people.reveal_person`` show it."""
        return personal_data.decrypt(self.id_number_encrypted)

    @property
    def phone(self) -> str:
        return personal_data.decrypt(self.phone_encrypted)

    @cached_property
    def id_number_masked(self) -> str:
        """Decrypted once per instance; set by the services when they encrypt a new number."""
        return mask_id_number(self.id_number) if self.id_number_encrypted else ""

    @property
    def group_codes(self) -> list[str]:
        return [m.group for m in self.group_memberships.all()]

    @property
    def group_labels(self) -> list[str]:
        return [PersonGroup(code).label for code in self.group_codes]


class PersonGroupMembership(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="group_memberships")
    group = models.CharField(_("人员类别"), max_length=30, choices=PersonGroup.choices)

    class Meta:
        verbose_name = _("人员类别")
        verbose_name_plural = _("人员类别")
        constraints = [models.UniqueConstraint(fields=["person", "group"], name="person_group_unique")]
        indexes = [models.Index(fields=["group", "person"])]


class MemberStatus(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class PartyMember(models.Model):
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="party_member")
    branch = models.ForeignKey(
        Org, verbose_name=_("所在支部"), on_delete=models.PROTECT, related_name="party_members",
        limit_choices_to={"kind__in": ["party_branch", "party_committee"]},
    )
    joined_on = models.DateField(_("入党日期"), null=True, blank=True)
    status = models.CharField(_("党员状态"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.FULL)
    needs_home_delivery = models.BooleanField(_("老弱病残、需送学上门"), default=False)
    is_mobile = models.BooleanField(_("流动党员"), default=False)
    in_hardship = models.BooleanField(_("困难党员"), default=False)
    # Copy of the person's place path, so "members in this community" needs no join.
    org_path = models.CharField(max_length=255, db_index=True, editable=False)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")

    def __str__(self) -> str:
        return self.person.name


class ResponsibilityKind(models.TextChoices):
    AREA = "area", _("包片")
    BUILDING = "building", _("包楼")
    HOUSEHOLD = "household", _("包户")


class Responsibility(models.Model):
    """Who answers for an area (org), a building or a household."""

    kind = models.CharField(_("类型"), max_length=20, choices=ResponsibilityKind.choices)
    person = models.ForeignKey(Person, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="responsibilities")
    org = models.ForeignKey(Org, verbose_name=_("片区/楼栋"), null=True, blank=True, on_delete=models.PROTECT,
                            related_name="responsibilities")
    household = models.ForeignKey(Household, verbose_name=_("户"), null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="responsibilities")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    since = models.DateField(_("起始日期"), auto_now_add=True)

    class Meta:
        verbose_name = _("包联责任")
        verbose_name_plural = _("包联责任")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="household", household__isnull=False, org__isnull=True)
                           | (~models.Q(kind="household") & models.Q(org__isnull=False, household__isnull=True))),
                name="responsibility_target_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        target = self.household or self.org
        return f"{self.get_kind_display()}：{self.person} → {target}"


class StudyPair(models.Model):
    """结对助学: a young member who helps an elderly, infirm or mobile member study."""

    helper = models.ForeignKey(PartyMember, verbose_name=_("助学党员"), on_delete=models.PROTECT, related_name="helping")
    member = models.ForeignKey(PartyMember, verbose_name=_("结对党员"), on_delete=models.PROTECT, related_name="helped_by")
    since = models.DateField(_("结对日期"), auto_now_add=True)
    active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("结对助学")
        verbose_name_plural = _("结对助学")
        constraints = [
            models.UniqueConstraint(fields=["helper", "member"], name="study_pair_unique"),
            models.CheckConstraint(condition=~models.Q(helper=models.F("member")), name="study_pair_not_self"),
        ]


class Supervisor(models.Model):
    """群众监督员: a resident appointed to oversee projects in an area."""

    person = models.ForeignKey(Person, verbose_name=_("监督员"), on_delete=models.PROTECT, related_name="supervising")
    org = models.ForeignKey(Org, verbose_name=_("监督范围"), on_delete=models.PROTECT, related_name="supervisors")
    appointed_on = models.DateField(_("聘任日期"), auto_now_add=True)
    active = models.BooleanField(_("有效"), default=True)
    appointed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("群众监督员")
        verbose_name_plural = _("群众监督员")
        constraints = [models.UniqueConstraint(fields=["person", "org"], name="supervisor_unique")]
