"""The request being served, for services that record where a write came from.

Services take ``by=`` (the account); the IP address comes from here so that every caller
(page, API, command) need not pass it along.
"""

from contextvars import ContextVar

from django.conf import settings

current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


def client_ip(request) -> str | None:
    """The client's address as the nearest trusted proxy saw it.

    ``X-Forwarded-For`` can be written by anyone, so it counts only behind proxies we run:
    with ``TONGXIN_TRUSTED_PROXIES = n`` (nginx in front: 1), the n-th address from the right
    is the one our outermost proxy received the request from.
    """
    trusted = settings.TONGXIN_TRUSTED_PROXIES
    if trusted:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= trusted:
            return hops[-trusted]
    return request.META.get("REMOTE_ADDR") or None
