import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with a Chinese message.

    Django 5.2 changed this message's msgid and its zh_Hans catalogue still carries the old one,
    so the stock validator answers a Chinese user in English.
    """

    def get_error_message(self) -> str:
        return _("密码太短，至少需要 %(min_length)d 个字符") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}


class LettersAndDigitsValidator:
    """The password must hold both letters and digits."""

    def validate(self, password: str, user=None) -> None:
        if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
            raise ValidationError(_("密码须同时包含字母和数字"), code="password_letters_digits")

    def get_help_text(self) -> str:
        return _("密码须同时包含字母和数字。")
