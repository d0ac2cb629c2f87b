"""python manage.py points_expire

The daily job of the points store: every redemption still waiting at the counter past its
validity expires, its points go back to the person (a refund row) and its stock back on the
shelf (``services.store.redemptions_expire``). Run it once a day from cron or a systemd timer, e.g.

    30 0 * * *  cd /srv/tongxin && .venv/bin/python manage.py points_expire

Running it twice changes nothing the second time.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tongxin.points.services.store import redemptions_expire


class Command(BaseCommand):
    help = ("兑换码过期：超过有效期仍未领取的积分兑换作过期处理，积分退回、库存恢复。"
            "每天运行一次，可用 cron 或 systemd 定时器，如：30 0 * * * python manage.py points_expire")

    def handle(self, *args, **options):
        expired = redemptions_expire()
        self.stdout.write(_("已过期 %(n)d 笔兑换，积分已退回") % {"n": expired})
