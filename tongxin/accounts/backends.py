from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from tongxin.core import personal_data
from tongxin.core.identity import normalize_phone


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with the account's username or the mobile number of the linked person."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            try:
                phone = normalize_phone(username)
            except Exception:
                phone = ""
            if phone:
                user = User.objects.filter(person__phone_hash=personal_data.lookup_hash(phone)).first()
        if user is None:
            User().set_password(password)  # same work as a real check, against timing probes
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
