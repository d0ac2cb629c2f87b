import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.orgs.models import Org


class Role(models.TextChoices):
    STREET_ADMIN = "street_admin", _("街道管理员")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")
    GRID_WORKER = "grid_worker", _("网格员")
    BUILDING_HEAD = "building_head", _("楼栋长")
    PARTY_MEMBER = "party_member", _("党员")
    RESIDENT = "resident", _("居民")
    SUPERIOR = "superior", _("上级/巡回指导组")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDITOR = "auditor", _("审计员")


# Roles that work on other people's data; they get the idle timeout and the second factor.
STAFF_ROLES = frozenset(set(Role) - {Role.PARTY_MEMBER, Role.RESIDENT})


class User(AbstractUser):
    """A login account. ``person`` links it to the registry; staff accounts may have none."""

    person = models.OneToOneField(
        "people.Person", verbose_name=_("对应人员"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="account",
    )

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    @property
    def display_name(self) -> str:
        return self.person.name if self.person_id else (self.get_full_name() or self.username)


class RoleAssignment(models.Model):
    """A role held over an org and everything beneath it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    org = models.ForeignKey(Org, verbose_name=_("范围"), on_delete=models.PROTECT, related_name="role_assignments")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [models.UniqueConstraint(fields=["user", "role", "org"], name="role_assignment_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.org}"


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
