"""Behind a TLS proxy it works as documented: Debian's nginx on loopback with a self-signed
certificate in front of a real ``kaiku serve`` process with ``KAIKU_BEHIND_PROXY=true``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.jobs.conftest import _sqlite_procs
from tests.jobs.procs import Proc, Procs
from tests.security.live import csrf_of, django, free_port, serve
from tests.security.nginx import Nginx

pytestmark = pytest.mark.slow

PASSWORD = "Pitka-ja-hyva-salasana-9"
USERS = """
from kaiku.accounts.models import User
from kaiku.organisations.models import Membership, Organisation
org = Organisation.objects.create(name="Välityspalvelin ry", slug="proxy")
for name in ("hoitaja", "ohjaaja", "vertainen"):
    user = User.objects.create_user(name, name + "@example.test", "{password}")
    Membership.objects.create(organisation=org, user=user, role="editor")
result = 1
""".replace("{password}", PASSWORD)


@dataclass
class Site:
    procs: Procs
    kaiku: Proc
    direct_url: str
    nginx: Nginx

    def direct(self, source: str) -> httpx.Client:
        """A client that talks to kaiku itself, not through the proxy, from ``source``."""
        return httpx.Client(
            base_url=self.direct_url,
            timeout=30,
            transport=httpx.HTTPTransport(local_address=source),
        )


@pytest.fixture
def site(tmp_path: Path, sqlite_template: Path) -> Iterator[Site]:
    nginx_port, kaiku_port = free_port(), free_port()
    procs = _sqlite_procs(
        tmp_path,
        sqlite_template,
        KAIKU_PUBLIC_URL=f"https://localhost:{nginx_port}",
        KAIKU_BEHIND_PROXY="true",
        KAIKU_TRUSTED_PROXY="127.0.0.1",
        KAIKU_LOGIN_MAX_FAILURES="2",
    )
    django(procs, USERS)
    kaiku, direct_url = serve(procs, port=kaiku_port, threads=4)
    nginx = Nginx(tmp_path / "nginx", nginx_port, kaiku_port)
    yield Site(procs, kaiku, direct_url, nginx)
    nginx.stop()
    procs.stop_all()


def _post(client: httpx.Client, path: str, data: dict[str, str]) -> httpx.Response:
    page = client.get(path)
    # Django checks the Referer of HTTPS form posts, as a browser sends it.
    return client.post(
        path,
        data={"csrfmiddlewaretoken": csrf_of(page.text), **data},
        headers={"Referer": str(page.url)},
    )


def test_through_nginx_https_brings_hsts_secure_cookies_and_https_reset_links_only(
    site: Site,
) -> None:
    person = site.nginx.client("127.0.0.2")
    page = person.get("/accounts/login/")
    assert page.headers["strict-transport-security"].startswith("max-age=")
    signed_in = _post(person, "/accounts/login/", {"username": "hoitaja", "password": PASSWORD})
    assert signed_in.status_code == 302
    cookies = signed_in.headers.get_list("set-cookie")
    session = [c for c in cookies if c.startswith("sessionid=")]
    assert session and all("; Secure" in c for c in session), cookies

    reset = _post(
        site.nginx.client("127.0.0.3"),
        "/accounts/password/reset/",
        {"email": "ohjaaja@example.test"},
    )
    assert reset.status_code == 302
    link = site.kaiku.wait_for_line("/accounts/password/reset/", timeout=20).strip()
    assert link.startswith(site.nginx.url + "/accounts/password/reset/"), link

    # A client talking to kaiku directly cannot claim HTTPS with the proxy's header.
    direct = site.direct("127.0.0.4")
    page = direct.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert page.status_code == 200
    assert "strict-transport-security" not in page.headers


def _fail(client: httpx.Client, username: str, **headers: str) -> str:
    page = client.get("/accounts/login/")
    if page.url.scheme == "http":
        # The CSRF cookie is Secure (KAIKU_PUBLIC_URL is https://): a plain-HTTP client
        # sends it by hand, as a script attacking kaiku's port directly would.
        headers["Cookie"] = f"csrftoken={page.cookies['csrftoken']}"
    return client.post(
        "/accounts/login/",
        data={
            "csrfmiddlewaretoken": csrf_of(page.text),
            "username": username,
            "password": "vaara-salasana-1",
        },
        headers={"Referer": str(page.url), **headers},
    ).text


def test_the_throttle_counts_each_person_behind_the_proxy_and_believes_only_the_proxy(
    site: Site,
) -> None:
    # KAIKU_LOGIN_MAX_FAILURES=2: a client address waits after 8 failures (4x).
    guesser = site.nginx.client("127.0.0.2")
    for i in range(8):
        _fail(guesser, f"arvaus{i}")
    assert "sekunnin" in _fail(guesser, "arvaus9")  # the guesser's own address is slowed

    # Another person behind the same proxy (same REMOTE_ADDR at kaiku) is not.
    colleague = site.nginx.client("127.0.0.3")
    ok = _post(colleague, "/accounts/login/", {"username": "ohjaaja", "password": PASSWORD})
    assert ok.status_code == 302, ok.text[:500]

    # A client that talks to kaiku directly and names someone else's address is not believed:
    # its failures count against its own address.
    spoofer = site.direct("127.0.0.4")
    for i in range(9):
        answer = _fail(spoofer, f"huijaus{i}", **{"X-Forwarded-For": "127.0.0.5"})
    assert "sekunnin" in answer  # it was counted (and slowed), as 127.0.0.4
    addresses = django(
        site.procs,
        "from kaiku.accounts.models import FailedLogin\n"
        "result = sorted(set(FailedLogin.objects.values_list('ip_address', flat=True)))",
    )
    assert addresses == ["127.0.0.2", "127.0.0.4"]
    victim = site.nginx.client("127.0.0.5")
    ok = _post(victim, "/accounts/login/", {"username": "vertainen", "password": PASSWORD})
    assert ok.status_code == 302, ok.text[:500]
