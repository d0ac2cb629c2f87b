"""A small user agent for the drills: what a person's browser does against gunicorn, no more.

The app runs with its production settings behind the TLS proxy it trusts (``X-Forwarded-Proto:
https``), so its cookies are Secure; this agent keeps them by hand and sends them back over the
plain connection to 127.0.0.1. It logs in through the real form (CSRF token, Referer), follows
redirects of GETs, and reads links out of pages.
"""

from __future__ import annotations

import html
import http.client
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit

HREF = re.compile(r'\bhref="([^"]*)"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Page:
    status: int
    path: str
    content_type: str
    body: bytes
    location: str = ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def links(self) -> list[str]:
        if "html" not in self.content_type:
            return []
        return [html.unescape(h) for h in HREF.findall(self.text)]


@dataclass
class Browser:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    forwarded_for: str = "10.8.0.1"

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, *, form: dict | None = None, headers: dict | None = None,
                timeout: float = 30) -> Page:
        sent = {"Host": f"127.0.0.1:{self.port}", "X-Forwarded-Proto": "https", "X-Forwarded-For": self.forwarded_for,
                "User-Agent": "tongxin-drill", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            sent.update({"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin,
                         "Referer": f"{self.origin}{path}"})
            if "csrftoken" in self.cookies:
                sent["X-CSRFToken"] = self.cookies["csrftoken"]
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    cookie, _, _ = value.partition(";")
                    key, _, val = cookie.partition("=")
                    if val and 'expires=Thu, 01 Jan 1970' not in value:
                        self.cookies[key.strip()] = val.strip()
                    else:
                        self.cookies.pop(key.strip(), None)
            return Page(response.status, path, response.getheader("Content-Type", ""), data,
                        response.getheader("Location", ""))
        finally:
            connection.close()

    def get(self, path: str, *, follow: int = 5) -> Page:
        page = self.request("GET", path)
        while follow and page.status in (301, 302, 303, 307, 308) and page.location:
            target = urlsplit(urljoin(f"{self.origin}{path}", page.location))
            if target.port not in (None, self.port) or target.hostname != "127.0.0.1":
                break  # never leave the machine
            path = target.path + (f"?{target.query}" if target.query else "")
            page = self.request("GET", path)
            follow -= 1
        return page

    def post(self, path: str, form: dict) -> Page:
        token = self.cookies.get("csrftoken", "")
        return self.request("POST", path, form={"csrfmiddlewaretoken": token, **form})

    def log_in(self, username: str, password: str) -> Page:
        """The login form as a person fills it; the answer to the POST (302 when it worked)."""
        form = self.get("/accounts/login/")
        found = CSRF_INPUT.search(form.text)
        token = found.group(1) if found else self.cookies.get("csrftoken", "")
        return self.request("POST", "/accounts/login/",
                            form={"csrfmiddlewaretoken": token, "username": username, "password": password})
