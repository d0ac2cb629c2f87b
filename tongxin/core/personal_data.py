"""Personal data at rest: AES-GCM encryption and a keyed hash for look-ups.

ID numbers and phone numbers are stored only as ciphertext. To find a person by ID number
without decrypting every row, we store an HMAC-SHA256 of the normalised value under a second
key; both keys are derived (HKDF) from ``TONGXIN_DATA_KEY`` so one secret is managed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_VERSION = "v1"
_AAD = b"tongxin-personal-data-v1"


@lru_cache(maxsize=4)
def _keys(master_b64: str) -> tuple[AESGCM, bytes]:
    try:
        master = base64.b64decode(master_b64, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured("TONGXIN_DATA_KEY is not valid base64.") from exc
    if len(master) < 32:
        raise ImproperlyConfigured("TONGXIN_DATA_KEY must hold at least 32 bytes.")

    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)

    return AESGCM(derive(b"tongxin/encrypt")), derive(b"tongxin/lookup-hash")


def _current_keys() -> tuple[AESGCM, bytes]:
    if not settings.TONGXIN_DATA_KEY:
        raise ImproperlyConfigured("TONGXIN_DATA_KEY is not set.")
    return _keys(settings.TONGXIN_DATA_KEY)


def encrypt(value: str) -> str:
    aead, _ = _current_keys()
    nonce = os.urandom(12)
    sealed = aead.encrypt(nonce, value.encode("utf-8"), _AAD)
    return f"{_VERSION}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def decrypt(token: str) -> str:
    if not token:
        return ""
    version, _, payload = token.partition(":")
    if version != _VERSION:
        raise ValueError("unknown ciphertext version")
    raw = base64.b64decode(payload)
    aead, _ = _current_keys()
    return aead.decrypt(raw[:12], raw[12:], _AAD).decode("utf-8")


def lookup_hash(value: str) -> str:
    """Keyed hash of a normalised value, for equality look-ups and uniqueness."""
    _, key = _current_keys()
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
