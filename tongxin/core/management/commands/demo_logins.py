"""Print the demo accounts, their roles and scopes, and the demo password."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand

from tongxin.accounts.models import Role, RoleAssignment
from tongxin.core.demo.logins import DEMO_LOGINS


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal, where a Chinese character takes two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


class Command(BaseCommand):
    help = "列出演示账号、角色、范围和密码"

    def handle(self, *args, **options):
        say = self.stdout.write
        scopes = {
            (a.user.username, a.role): a.org
            for a in RoleAssignment.objects.filter(user__username__in=[d.username for d in DEMO_LOGINS])
            .select_related("user", "org")
        }
        say("")
        say(f"演示账号（密码均为 {settings.TONGXIN_DEMO_PASSWORD}，可用环境变量 TONGXIN_DEMO_PASSWORD 修改）")
        say(_pad("账号", 18) + _pad("角色", 24) + _pad("范围", 22) + "用途")
        missing = False
        for login in DEMO_LOGINS:
            org = scopes.get((login.username, login.role))
            if org is None:
                missing = True
                scope = "（未创建）"
            else:
                scope = org.name
            say(_pad(login.username, 18) + _pad(str(Role(login.role).label), 24) + _pad(scope, 22) + login.duty)
        if missing:
            say(self.style.WARNING("有演示账号未创建，请先运行：python manage.py seed_demo"))
        say("登录地址：http://127.0.0.1:8000/")
