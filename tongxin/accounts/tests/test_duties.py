"""三员分立: the security admin grants roles and unlocks accounts; nobody grants to themself."""

import pytest
from django.core.exceptions import ValidationError

from tongxin.accounts.models import Role, RoleAssignment
from tongxin.accounts.services import role_grant
from tongxin.core.models import AuditEntry


def test_nobody_grants_a_role_to_themself(street):
    secadmin = street.accounts["security_admin"]
    with pytest.raises(ValidationError):
        role_grant(by=secadmin, user=secadmin, role=Role.AUDITOR, org=street.city)
    assert not RoleAssignment.objects.filter(user=secadmin, role=Role.AUDITOR).exists()


def test_role_admin_is_the_security_admins(client, street):
    sysadmin, secadmin = street.accounts["system_admin"], street.accounts["security_admin"]
    client.force_login(sysadmin)
    assert client.get("/admin/accounts/roleassignment/add/").status_code == 403
    client.force_login(secadmin)
    assert client.get("/admin/accounts/roleassignment/add/").status_code == 200
    response = client.post("/admin/accounts/roleassignment/add/",
                           {"user": secadmin.pk, "role": Role.AUDITOR, "org": street.city.pk})
    assert response.status_code == 200 and "不能给自己授予角色" in response.content.decode()
    response = client.post("/admin/accounts/roleassignment/add/",
                           {"user": street.accounts["grid_worker"].pk, "role": Role.BUILDING_HEAD,
                            "org": street.building_a1.pk})
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=street.accounts["grid_worker"], role=Role.BUILDING_HEAD).exists()
    assert AuditEntry.objects.filter(action="role_granted", actor=secadmin).count() == 1


def test_security_admin_unlocks_a_locked_account(client, street):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "resident", "password": "wrong-password-1"})
    locked = client.post("/accounts/login/", {"username": "resident", "password": "Test2024pass"})
    assert locked.status_code == 403

    client.force_login(street.accounts["grid_worker"])
    assert client.get("/accounts/lockouts/").status_code == 403
    client.force_login(street.accounts["security_admin"])
    page = client.get("/accounts/lockouts/")
    assert "已锁定" in page.content.decode() and "resident" in page.content.decode()
    client.post("/accounts/lockouts/", {"username": "resident"})
    assert AuditEntry.objects.filter(action="account_unlocked", actor=street.accounts["security_admin"]).exists()
    client.logout()
    response = client.post("/accounts/login/", {"username": "resident", "password": "Test2024pass"})
    assert response.status_code == 302


@pytest.mark.parametrize("username, status", [
    ("system_admin", 200), ("security_admin", 200), ("auditor", 200),
    ("street_admin", 302), ("grid_worker", 302), ("resident", 302),
])
def test_only_the_duty_roles_enter_the_admin(client, street, username, status):
    client.force_login(street.accounts[username])
    assert client.get("/admin/").status_code == status
