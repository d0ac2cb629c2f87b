"""python manage.py report bulletin|progress …

Writes a report as a Word document from the records, as the pages' download buttons do:

    python manage.py report bulletin --org BLP --week 2024-W12 --out 通报.docx
    python manage.py report progress --org BLP --campaign gdetdhgdz-blp [--from 2024-03-01 --to 2024-03-31] --out 报告.docx

``--org`` is an org's code, ``--campaign`` a campaign's slug, ``--week`` an ISO week. Bad input is
answered in Chinese and writes nothing.
"""

from __future__ import annotations

import io
from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tongxin.campaigns.models import Campaign
from tongxin.orgs.models import Org


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("%(name)s 的日期格式应为 2024-09-10") % {"name": name}) from None


def _week(value: str) -> date:
    """The Monday of an ISO week such as 2024-W12."""
    try:
        year, week = value.upper().split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise CommandError(_("--week 的格式应为 2024-W12（年份-W周次）")) from None


class Command(BaseCommand):
    help = "生成 Word 文档：每周通报（bulletin）或工作开展情况报告（progress），数字全部取自系统记录"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="kind", required=True)
        bulletin = sub.add_parser("bulletin", help="每周通报：下级单位按得分排名")
        bulletin.add_argument("--org", required=True, help="组织编码，如 BLP")
        bulletin.add_argument("--week", required=True, help="ISO 周，如 2024-W12")
        bulletin.add_argument("--campaign", default="", help="主题活动简称（可选）")
        bulletin.add_argument("--out", required=True, help="输出的 .docx 文件")
        progress = sub.add_parser("progress", help="工作开展情况报告")
        progress.add_argument("--org", required=True, help="组织编码，如 BLP")
        progress.add_argument("--campaign", required=True, help="主题活动简称")
        progress.add_argument("--from", dest="date_from", default="", help="开始日期，如 2024-03-01")
        progress.add_argument("--to", dest="date_to", default="", help="结束日期，如 2024-03-31")
        progress.add_argument("--out", required=True, help="输出的 .docx 文件")

    def handle(self, *args, kind: str, **options):
        org = Org.objects.filter(code=options["org"]).first()
        if org is None:
            raise CommandError(_("找不到编码为“%(code)s”的组织") % {"code": options["org"]})
        campaign = None
        if options.get("campaign"):
            campaign = Campaign.objects.filter(slug=options["campaign"]).first()
            if campaign is None:
                raise CommandError(_("找不到简称为“%(slug)s”的主题活动") % {"slug": options["campaign"]})
        out = options["out"]
        if not out.lower().endswith(".docx"):
            raise CommandError(_("--out 应为 .docx 文件"))
        document = io.BytesIO()  # written to the file only once it is whole
        try:
            self._write(kind, org, campaign, options, document)
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from None
        with open(out, "wb") as handle:
            handle.write(document.getvalue())
        self.stdout.write(_("已生成 %(out)s") % {"out": out})

    def _write(self, kind: str, org: Org, campaign: Campaign | None, options: dict, document) -> None:
        if kind == "bulletin":
            from tongxin.reports.services.bulletin import bulletin_docx

            bulletin_docx(org=org, week_start=_week(options["week"]), campaign=campaign, out=document)
        else:
            from tongxin.reports.services.progress import progress_docx

            date_from, date_to = _day(options["date_from"], "--from"), _day(options["date_to"], "--to")
            if date_from and date_to and date_from > date_to:
                raise CommandError(_("结束日期不能早于开始日期"))
            progress_docx(org=org, campaign=campaign, date_from=date_from, date_to=date_to, out=document)
