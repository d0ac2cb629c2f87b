"""python manage.py coverage_rebuild [--campaign SLUG]

Writes the coverage rows (``CoverageEntry``) of every campaign, or of one, anew from the registry
and the records, and counts their tallies (``CoverageTally``) anew: once after migrating to the coverage rows, after loading records by other means
than the services, or whenever the figures are doubted. Each campaign in its own transaction.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from tongxin.campaigns.models import Campaign
from tongxin.learning.models import CoverageEntry, CoverageTally
from tongxin.learning.services.coverage import coverage_rebuild


class Command(BaseCommand):
    help = "重建主题活动的覆盖明细（覆盖率、未覆盖名单的数据来源）"

    def add_arguments(self, parser):
        parser.add_argument("--campaign", default="", help="只重建此简称的活动（默认全部）")

    def handle(self, *args, campaign: str, **options):
        campaigns = Campaign.objects.select_related("scope").order_by("pk")
        if campaign:
            campaigns = campaigns.filter(slug=campaign)
            if not campaigns.exists():
                raise CommandError(_("没有简称为“%(slug)s”的活动") % {"slug": campaign})
        for item in campaigns:
            started = time.perf_counter()
            rows = coverage_rebuild(item)
            self.stdout.write(_("%(name)s（%(slug)s）：%(rows)s 人，用时 %(s).1f 秒") % {
                "name": item.name, "slug": item.slug, "rows": f"{rows:,}", "s": time.perf_counter() - started})
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Fresh statistics for the planner, and a visibility map for index-only reads.
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM ANALYZE {CoverageEntry._meta.db_table}")
                cursor.execute(f"VACUUM ANALYZE {CoverageTally._meta.db_table}")
