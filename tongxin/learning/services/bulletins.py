"""Bulletins (简报): what an org issues about its work, numbered 第 1 期, 第 2 期, … per org and
campaign (bulletins outside any campaign have their own series).

The next issue number is read under a lock on the issuing org's row, so two bulletins written at
the same moment get consecutive numbers instead of the same one. The unique constraint
``bulletin_issue_unique`` backs this up where a campaign is set; where it is not (NULL), only the
lock does, since NULLs never collide in a unique index.

Who may issue: ``learning.manage_bulletins`` on the org (street admin, community worker over it;
see ``tongxin.learning.permissions``).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.audit import AuditAction, audit_record
from tongxin.orgs.models import Org

from ..models import Bulletin
from .materials import actor_or_none, allowed, campaign_matches_org

ISSUE_PERMISSION = "learning.manage_bulletins"
BODY_MAX = 50_000


def next_issue_no(org: Org, campaign=None) -> int:
    """The number the next bulletin of ``org`` (and ``campaign``) would get; for display only,
    ``bulletin_create`` computes it again under the lock."""
    last = Bulletin.objects.filter(org=org, campaign=campaign).aggregate(n=Max("issue_no"))["n"]
    return (last or 0) + 1


@transaction.atomic
def bulletin_create(*, by, org: Org, title: str, body: str, campaign=None,
                    published_on: date | None = None) -> Bulletin:
    """Issue a bulletin with the next issue number of ``org`` and ``campaign``. The same title
    and text sent twice (a retried form) is issued once: the second call returns the first."""
    if not allowed(by, ISSUE_PERMISSION, org):
        raise PermissionError(_("无权以该单位名义编发简报"))
    title = (title or "").strip()
    body = (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("标题不能为空")
    elif len(title) > 200:
        errors["title"] = _("标题不能超过 200 字")
    if not body:
        errors["body"] = _("正文不能为空")
    elif len(body) > BODY_MAX:
        errors["body"] = _("正文过长")
    published_on = published_on or timezone.localdate()
    if campaign is not None:
        if not campaign_matches_org(campaign, org):
            errors["campaign"] = _("该主题活动不涉及本单位")
        elif published_on < campaign.starts_on:
            errors["published_on"] = _("编发日期早于主题活动开始日期")
    if errors:
        raise ValidationError(errors)

    # FOR NO KEY UPDATE: orders bulletin numbering of this org, while inserts that merely point at
    # the org (a person registered in it, a session it holds) are not held up.
    list(Org.objects.select_for_update(no_key=True).filter(pk=org.pk).values_list("pk", flat=True))
    same = Bulletin.objects.filter(org=org, campaign=campaign, title=title, body=body).first()
    if same is not None:
        return same
    bulletin = Bulletin(org=org, org_path=org.path, campaign=campaign, issue_no=next_issue_no(org, campaign),
                        title=title, body=body, published_on=published_on, created_by=actor_or_none(by))
    bulletin.full_clean()
    bulletin.save()
    audit_record(by=by, action=AuditAction.BULLETIN_CREATED, obj=bulletin, changes={
        "org": org.code, "campaign": campaign.slug if campaign else None, "issue_no": bulletin.issue_no,
        "title": title, "published_on": published_on.isoformat(),
    })
    return bulletin
