"""python manage.py voices_escalate

The daily overdue job: every open voice past its deadline goes up to the org above for
supervision (督办), and one already escalated goes up again when it is still open a week later
(``services.escalation.escalate_overdue``). Run it once a day from cron or a systemd timer, e.g.

    15 7 * * *  cd /srv/tongxin && .venv/bin/python manage.py voices_escalate

Running it twice on one day changes nothing the second time.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tongxin.voices.services.escalation import escalate_overdue


class Command(BaseCommand):
    help = ("逾期上报：把超过办理期限仍未办结的群众心声上报上一级督办（已上报满 7 天仍未办结的再上报一级）。"
            "每天运行一次，可用 cron 或 systemd 定时器，如：15 7 * * * python manage.py voices_escalate")

    def handle(self, *args, **options):
        moved = escalate_overdue()
        self.stdout.write(_("已上报 %(n)d 件逾期事项") % {"n": moved})
