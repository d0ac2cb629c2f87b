from django.test import RequestFactory, override_settings

from tongxin.core.request_context import client_ip

rf = RequestFactory()


def test_forwarded_for_is_ignored_without_a_trusted_proxy():
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "10.0.0.5"


@override_settings(TONGXIN_TRUSTED_PROXIES=1)
def test_behind_one_proxy_the_address_it_saw_counts_not_what_the_client_wrote():
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_ip(request) == "203.0.113.9"


@override_settings(TONGXIN_TRUSTED_PROXIES=2)
def test_too_few_hops_falls_back_to_the_peer():
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "127.0.0.1"
