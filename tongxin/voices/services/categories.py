"""Categories of voices and their deadlines (办理时限): how many days an accepted item of each
category has to be resolved. The categories hold for the whole deployment, so only street admins
(the street office, 街道党工委) change them: a community's worker would change every community's.

A new deadline applies to items accepted from then on; items already accepted keep the date they
were given (the speaker was told it)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.accounts.models import Role
from tongxin.accounts.selectors import user_roles
from tongxin.core.audit import AuditAction, audit_record

from ..models import VoiceCategory

DEADLINE_MIN, DEADLINE_MAX = 1, 365


def may_edit_categories(user) -> bool:
    return Role.STREET_ADMIN in user_roles(user)


@transaction.atomic
def voice_category_save(*, by, category: VoiceCategory, deadline_days: int | None,
                        name: str | None = None) -> VoiceCategory:
    """Change a category's deadline (1–365 days) and, if given, its name."""
    if by is not None and not may_edit_categories(by):
        raise PermissionError(_("只有街道管理员可以修改诉求类别和办理时限"))
    locked = VoiceCategory.objects.select_for_update().get(pk=category.pk)
    if (not isinstance(deadline_days, int) or isinstance(deadline_days, bool)
            or not DEADLINE_MIN <= deadline_days <= DEADLINE_MAX):
        raise ValidationError({"deadline_days": _("办理时限须在 %(min)d 到 %(max)d 天之间") % {
            "min": DEADLINE_MIN, "max": DEADLINE_MAX}})
    changes = {}
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError({"name": _("请填写类别名称")})
        if len(name) > 40:
            raise ValidationError({"name": _("类别名称不能超过 40 字")})
        if VoiceCategory.objects.filter(name=name).exclude(pk=locked.pk).exists():
            raise ValidationError({"name": _("已有名为“%(name)s”的类别") % {"name": name}})
        if name != locked.name:
            changes["name"] = [locked.name, name]
            locked.name = name
    if deadline_days != locked.deadline_days:
        changes["deadline_days"] = [locked.deadline_days, deadline_days]
        locked.deadline_days = deadline_days
    if changes:
        locked.save(update_fields=[field for field in ("name", "deadline_days") if field in changes])
        audit_record(by=by, action=AuditAction.VOICE_CATEGORY_SAVED, obj=locked, changes=changes)
    category.name, category.deadline_days = locked.name, locked.deadline_days
    return category
