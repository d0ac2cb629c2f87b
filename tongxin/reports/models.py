"""What staff edit for their reports: the narrative texts of the progress report (with figure
slots, never typed figures) and the weights by which the weekly bulletin ranks units."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongxin.orgs.models import Org


class ReportText(models.Model):
    """One editable part of an org's progress report (the opening, a paragraph of an area, the
    problems, the next steps): text with slots such as ``{sessions}`` that the report fills from
    the records. A campaign's own text comes before the org's general one; with neither, the
    report uses its default (``services.texts.DEFAULT_TEXTS``)."""

    org = models.ForeignKey(Org, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey("campaigns.Campaign", verbose_name=_("主题活动"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+")
    part = models.CharField(_("段落"), max_length=40)
    text = models.TextField(_("内容"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("报告文字")
        verbose_name_plural = _("报告文字")
        constraints = [
            models.UniqueConstraint(fields=["org", "campaign", "part"], name="report_text_unique"),
            models.UniqueConstraint(fields=["org", "part"], condition=Q(campaign__isnull=True),
                                    name="report_text_unique_general"),
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.part}"


class BulletinWeights(models.Model):
    """The weights of an org's weekly bulletin (通报): how much each measure counts in the score
    by which its child units are ranked. ``weights`` maps a measure's key
    (``services.bulletin.MEASURES``) to a number; a missing key counts its default."""

    org = models.OneToOneField(Org, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+")
    weights = models.JSONField(_("权重"), default=dict)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("通报权重")
        verbose_name_plural = _("通报权重")

    def __str__(self) -> str:
        return f"{self.org} {self.weights}"
