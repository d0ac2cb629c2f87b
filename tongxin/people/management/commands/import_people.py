"""python manage.py import_people FILE.xlsx --org CODE [--by USERNAME] [--dry-run]

Imports a roster workbook all or nothing. On any fault it prints the row-by-row report and
exits with status 1, having saved nothing.
"""

import time
import unicodedata
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tongxin.orgs.selectors import org_by_code
from tongxin.people.roster import RosterImportResult, roster_import


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def report_table(result: RosterImportResult) -> str:
    """The faults as a plain-text table that lines up in a terminal (Chinese is double width)."""
    rows = [(str(e.row) if e.row else "—", e.column + (f"（{e.column_letter}）" if e.column_letter else "") or "—",
             e.reason) for e in result.errors]
    head = (_("行"), _("列"), _("原因"))
    widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(2)]
    lines = [f"{_pad(head[0], widths[0])}  {_pad(head[1], widths[1])}  {head[2]}",
             f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * max(_width(head[2]), 4)}"]
    lines += [f"{_pad(r[0], widths[0])}  {_pad(r[1], widths[1])}  {r[2]}" for r in rows]
    if result.errors_truncated:
        lines.append(_("……共 %(n)d 处错误，只列出前 %(k)d 处") % {"n": result.error_count, "k": len(result.errors)})
    return "\n".join(lines)


def summary(result: RosterImportResult) -> str:
    values = {"rows": result.rows, "created": result.created, "members": result.party_members_created,
              "households": result.households_created, "skipped": result.skipped}
    if result.dry_run:
        return _("检查通过（未保存）：共 %(rows)d 行，可新增 %(created)d 人（其中党员 %(members)d 人）、"
                 "新建 %(households)d 户；已存在，跳过 %(skipped)d 人") % values
    return _("导入完成：共 %(rows)d 行，新增 %(created)d 人（其中党员 %(members)d 人），新建 %(households)d 户；"
             "已存在，跳过 %(skipped)d 人") % values


class Command(BaseCommand):
    help = _("导入花名册（.xlsx）：全部成功才保存，有错则逐行报告并以状态 1 退出")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("花名册文件（.xlsx）"))
        parser.add_argument("--org", required=True, help=_("导入到的社区（或街道、网格）编码，如 BLP-C1"))
        parser.add_argument("--by", default="", help=_("记入审计日志的操作人账号；不填为 system"))
        parser.add_argument("--dry-run", action="store_true", help=_("只检查，不保存"))

    def handle(self, *args, file, org, by, dry_run, **options):
        target = org_by_code(org)
        if target is None:
            raise CommandError(_("找不到编码为 %(code)s 的组织") % {"code": org})
        actor = None
        if by:
            actor = get_user_model().objects.filter(username=by, is_active=True).first()
            if actor is None:
                raise CommandError(_("找不到账号 %(name)s") % {"name": by})
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("找不到文件 %(file)s") % {"file": file})
        started = time.monotonic()
        result = roster_import(by=actor, org=target, file=path, dry_run=dry_run)
        elapsed = time.monotonic() - started
        if not result.ok:
            self.stderr.write(report_table(result))
            raise CommandError(
                _("%(file)s 有 %(n)d 处错误，未保存任何数据") % {"file": result.file_name, "n": result.error_count},
                returncode=1,
            )
        self.stdout.write(summary(result))
        self.stdout.write(_("用时 %(s).1f 秒") % {"s": elapsed})
