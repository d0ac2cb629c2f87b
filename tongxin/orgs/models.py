"""The tree of places and organisations, and households.

Subtrees use a *materialised path*: every org stores ``path`` = its ancestors' ids and its own,
e.g. ``/1/7/42/``. A subtree is ``path LIKE '/1/7/%'`` — one indexed range scan, no join and
no recursion. We chose it over a closure table because (1) the same path is copied onto each
person (``Person.org_path``), so "people in this street" at a million rows is a single range
scan on one index of the people table, where a closure table would need a join per query;
(2) the tree is shallow (at most ten levels) and changes rarely, so rewriting a moved
subtree's paths is cheap and rare; (3) a closure table holds depth × rows and must be kept in
step on every insert. Ids, not codes, form the path so that renaming or re-coding an org never
touches other rows; each segment ends in ``/`` so ``/1/2/`` is never a prefix of ``/1/23/``.
"""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    CITY = "city", _("市/盟")
    DISTRICT = "district", _("旗县区")
    STREET = "street", _("街道")
    TOWNSHIP = "township", _("苏木乡镇")
    COMMUNITY = "community", _("社区")
    VILLAGE = "village", _("嘎查村")
    GRID = "grid", _("网格")
    BUILDING = "building", _("楼栋")
    UNIT = "unit", _("单位")
    PARTY_COMMITTEE = "party_committee", _("党(工)委/党总支")
    PARTY_BRANCH = "party_branch", _("党支部")


class Domain(models.TextChoices):
    """The ten domains (领域) of the Tongliao campaign."""

    RURAL_PASTORAL = "rural_pastoral", _("农村牧区")
    URBAN_COMMUNITY = "urban_community", _("城镇社区")
    GOVERNMENT = "government", _("机关单位")
    SCHOOL = "school", _("学校")
    STATE_ENTERPRISE = "state_enterprise", _("国有企业")
    PRIVATE_ENTERPRISE = "private_enterprise", _("民营企业")
    SOCIAL_ORG = "social_org", _("社会组织")
    NEW_EMPLOYMENT = "new_employment", _("新就业群体")
    PUBLIC_HOSPITAL = "public_hospital", _("公立医院")
    DEMOCRATIC_PARTY = "democratic_party", _("民主党派")


# Which kinds may sit directly under which. Units and party organisations may hang anywhere
# above the grid.
_AREA_KINDS = {OrgKind.CITY, OrgKind.DISTRICT, OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY, OrgKind.VILLAGE}
ALLOWED_PARENTS: dict[str, set[str] | None] = {
    OrgKind.CITY: None,
    OrgKind.DISTRICT: {OrgKind.CITY},
    OrgKind.STREET: {OrgKind.DISTRICT},
    OrgKind.TOWNSHIP: {OrgKind.DISTRICT},
    OrgKind.COMMUNITY: {OrgKind.STREET, OrgKind.TOWNSHIP},
    OrgKind.VILLAGE: {OrgKind.TOWNSHIP, OrgKind.STREET},
    OrgKind.GRID: {OrgKind.COMMUNITY, OrgKind.VILLAGE},
    OrgKind.BUILDING: {OrgKind.GRID},
    OrgKind.UNIT: _AREA_KINDS,
    OrgKind.PARTY_COMMITTEE: _AREA_KINDS | {OrgKind.UNIT, OrgKind.PARTY_COMMITTEE},
    OrgKind.PARTY_BRANCH: _AREA_KINDS | {OrgKind.UNIT, OrgKind.PARTY_COMMITTEE, OrgKind.GRID},
}

code_validator = RegexValidator(r"^[A-Za-z0-9_-]{1,40}$", _("编码只能由字母、数字、下划线和连字符组成"))


class Org(models.Model):
    code = models.CharField(_("编码"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=OrgKind.choices)
    domain = models.CharField(_("领域"), max_length=30, choices=Domain.choices, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path, see the module docstring. ``db_index`` on a CharField also gives
    # PostgreSQL a varchar_pattern_ops index, so LIKE 'prefix%' uses it whatever the collation.
    path = models.CharField(max_length=255, unique=True, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    is_co_building_unit = models.BooleanField(_("共建单位"), default=False)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["path"]
        indexes = [models.Index(fields=["kind", "path"])]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]


class Household(models.Model):
    """户: an address in a building (or a grid, where there are no buildings) with its residents."""

    org = models.ForeignKey(Org, verbose_name=_("所在楼栋/网格"), on_delete=models.PROTECT, related_name="households")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    number = models.CharField(_("门牌号"), max_length=50)
    in_hardship = models.BooleanField(_("困难户"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the household was first and last visited (入户走访), kept by ``voices.services.visits``
    # with each visit: how many households were visited in a period is read from these
    # (``core.spans``) instead of from the visits.
    first_visited_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_visited_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["org_path", "number"]
        constraints = [models.UniqueConstraint(fields=["org", "number"], name="household_unique_number_per_org")]

    def __str__(self) -> str:
        return f"{self.org.name} {self.number}"
