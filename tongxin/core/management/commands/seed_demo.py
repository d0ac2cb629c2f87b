"""Load the demo: 八里铺街道 with its residents, members, staff and demo accounts.

    python manage.py seed_demo                    # the street, about 20,000 residents
    python manage.py seed_demo --scale district   # the district: about a million (benchmarks)
    python manage.py seed_demo --scale tiny       # a few hundred residents (tests)

The demo street comes with its campaign "感党恩、听党话、跟党走" (eight weeks of sessions,
attendance, deliveries, materials, reflections and bulletins, see ``tongxin.core.demo.campaign``)
and its voices and follow-through (visits, voices, wishes, projects, the problem list, good deeds:
``tongxin.core.demo.voices``) and its points (rules, a catalogue per community, the awards of the
eight weeks, check-ins and redemptions: ``tongxin.core.demo.points``);
the district adds a district-wide campaign with about ten million check-ins, for benchmarks.

Running it again adds nothing: a street whose code exists is skipped, and so is a campaign that
exists (a street loaded before the campaign existed gets it on the next run).
"""

from __future__ import annotations

import os
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tongxin.accounts.models import User
from tongxin.core.demo.campaign.district import seed_district_activity
from tongxin.core.demo.campaign.district_life import seed_district_life
from tongxin.core.demo.campaign.street import demo_campaign, seed_campaign
from tongxin.core.demo.district import analyze_people_tables, build_district
from tongxin.core.demo.logins import DEMO_USERNAMES
from tongxin.core.demo.points import demo_has_points, seed_points
from tongxin.core.demo.street import DEMO_STREET_CODE, StreetBuilder, demo_street_spec, ensure_city_and_district
from tongxin.core.demo.voices import demo_has_voices, seed_voices
from tongxin.orgs.models import Org


class Command(BaseCommand):
    help = "载入演示数据：八里铺街道（约两万居民）及演示账号；--scale district 载入整个科尔沁区（约一百万居民）"

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["tiny", "street", "district"], default="street",
                            help="tiny：数百人（测试用）；street：八里铺街道约两万人；district：全区约一百万人")
        parser.add_argument("--jobs", type=int, default=min(os.cpu_count() or 1, 4),
                            help="district 规模在 PostgreSQL 上同时建几个街道（进程数），默认为 CPU 核数（最多 4）")

    def handle(self, *args, scale: str, jobs: int, **options):
        started = time.perf_counter()
        say = self.stdout.write
        # First and cheap, so that `make demo` re-runs in a moment.
        street = Org.objects.filter(code=DEMO_STREET_CODE).first()
        if street is not None:
            say(f"演示街道 {street.name}（{street.code}）已存在，不再重复载入。")
            missing = [u for u in DEMO_USERNAMES if not User.objects.filter(username=u).exists()]
            if missing:
                say(self.style.WARNING(f"缺少演示账号：{'、'.join(missing)}"))
        try:
            if scale == "district":
                _city, district = ensure_city_and_district()
                say(f"载入科尔沁区十个街道和镇（约一百万居民，{jobs} 个进程）……")
                build_district(district=district, demo_street=None if street else demo_street_spec("street"),
                               log=say, jobs=jobs)
            elif street is None:
                spec = demo_street_spec(scale)
                say(f"载入演示街道 {spec.name}（约 {spec.residents:,} 位居民）……")
                with transaction.atomic():
                    _city, district = ensure_city_and_district()
                    result = StreetBuilder(spec, district=district).build(with_accounts=True)
                analyze_people_tables()
                say(f"  {spec.name}：居民 {result.residents:,} 人，{result.households:,} 户，"
                    f"党员 {result.members:,} 人，组织 {result.orgs:,} 个，用时 {result.seconds:.1f} 秒")
            street = Org.objects.filter(code=DEMO_STREET_CODE).first()
            if street is not None and demo_campaign(street) is None:
                say(f"载入演示活动“感党恩、听党话、跟党走”（{street.name}）……")
                done = seed_campaign(street)
                say(f"  学习活动 {done.sessions:,} 场，签到 {done.attendances:,} 人次，送学 {done.deliveries:,} 次，"
                    f"用时 {done.seconds:.1f} 秒")
            elif street is not None:
                say("演示活动已存在，不再重复载入。")
            campaign = demo_campaign(street) if street is not None else None
            if campaign is not None and not demo_has_voices(street):
                say(f"载入群众心声与办理（{street.name}：走访、心声、心愿、民生实事、问题清单、好事实事）……")
                heard = seed_voices(street, campaign)
                say(f"  走访 {heard.visits:,} 户次，心声 {heard.voices:,} 条（逾期上报 {heard.escalated:,} 条），"
                    f"民生实事 {heard.projects} 项，问题清单 {heard.rectifications} 项，好事实事 {heard.deeds} 件，"
                    f"用时 {heard.seconds:.1f} 秒")
            if campaign is not None and not demo_has_points(street):
                say(f"载入积分与积分超市（{street.name}：积分规则、兑换商品、八周的积分与兑换）……")
                earned = seed_points(street, campaign)
                say(f"  兑换商品 {earned.rewards} 种，积分 {earned.awards:,} 笔共 {earned.points:,} 分，"
                    f"兑换 {earned.redemptions} 笔，用时 {earned.seconds:.1f} 秒")
            if scale == "district":
                say("载入全区“感党恩、听党话、跟党走”活动记录（学习活动、约一千万人次签到、送学）……")
                seed_district_activity(district, log=say, jobs=jobs)
                say("载入全区各街道的入户走访、群众心声与积分（演示街道除外）……")
                seed_district_life(district, skip=street, log=say, jobs=jobs)
        except ValidationError as exc:
            raise CommandError("演示数据未载入：" + "；".join(exc.messages)) from exc
        say(self.style.SUCCESS(f"完成，共用时 {time.perf_counter() - started:.1f} 秒。"
                               "运行 python manage.py demo_logins 查看演示账号。"))
