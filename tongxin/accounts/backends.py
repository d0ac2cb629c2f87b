from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from tongxin.core import personal_data
from tongxin.core.identity import mask_phone, normalize_phone


def _phone_or_empty(login: str) -> str:
    try:
        return normalize_phone(login)
    except ValidationError:
        return ""


def account_for_login(login: str):
    """The account a login name means: its username, else the mobile number of its person."""
    User = get_user_model()
    user = User.objects.filter(username=login).first()
    if user is None:
        phone = _phone_or_empty(login)
        if phone:
            user = User.objects.filter(person__phone_hash=personal_data.lookup_hash(phone)).first()
    return user


def login_name(login: str) -> str:
    """How a login attempt is recorded (lockout counter, audit log): the account's username if
    the name means an account, else the name tried with a mobile number masked, so that a
    phone number typed at the login page never lands in a log in full."""
    login = str(login or "")[:150]
    user = account_for_login(login)
    if user is not None:
        return user.get_username()
    phone = _phone_or_empty(login)
    return mask_phone(phone) if phone else login


def lockout_key(request, credentials=None) -> str:
    """``AXES_USERNAME_CALLABLE``: count failures per account, not per spelling of the login."""
    if credentials:
        login = credentials.get("username")
    else:
        login = getattr(request, "POST", {}).get("username")
    return login_name(login or "")


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with the account's username or the mobile number of the linked person."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = account_for_login(username)
        if user is None:
            get_user_model()().set_password(password)  # same work as a real check, against timing probes
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
