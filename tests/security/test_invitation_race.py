"""Invitations and the last-admin rule under real concurrency, against a live ``kaiku serve``."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.jobs.procs import Procs
from tests.security.live import csrf_of, django, logged_in, serve

pytestmark = pytest.mark.slow

PASSWORD = "Pitka-ja-hyva-salasana-9"
SETUP = (
    """
from kaiku.accounts.models import User
from kaiku.organisations.models import Invitation, Membership, Organisation
org = Organisation.objects.create(name="Kilpajuoksu ry", slug="kilpa")
for name in ("eka", "toka"):
    user = User.objects.create_user(name, name + "@example.test", "{password}")
    Membership.objects.create(organisation=org, user=user, role="admin")
invitation = Invitation.objects.create(organisation=org, email="uusi@example.test", role="admin")
result = invitation.token
"""
).replace("{password}", PASSWORD)


def test_six_parallel_sign_ups_with_one_admin_invitation_make_one_admin(procs: Procs) -> None:
    token = django(procs, SETUP)
    _, base = serve(procs)
    sessions = [httpx.Client(base_url=base, timeout=60) for _ in range(6)]
    forms = [csrf_of(s.get(f"/invite/{token}/").text) for s in sessions]
    start = threading.Barrier(6)

    def sign_up(i: int) -> int:
        start.wait()
        return (
            sessions[i]
            .post(
                f"/invite/{token}/",
                data={
                    "csrfmiddlewaretoken": forms[i],
                    "username": f"tulija{i}",
                    "password": PASSWORD,
                },
            )
            .status_code
        )

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(sign_up, range(6)))
    admins = django(
        procs,
        "from kaiku.organisations.models import Membership\n"
        "result = sorted(Membership.objects.filter(organisation__slug='kilpa', role='admin')"
        ".values_list('user__username', flat=True))",
    )
    users = django(
        procs,
        "from kaiku.accounts.models import User\n"
        "result = User.objects.filter(username__startswith='tulija').count()",
    )
    assert statuses == [302, 410, 410, 410, 410, 410]
    assert len([a for a in admins if a.startswith("tulija")]) == 1, admins
    assert users == 1  # the refused sign-ups left no account behind


def test_two_admins_demoting_each_other_at_once_leave_one_admin(procs: Procs) -> None:
    django(procs, SETUP)
    _, base = serve(procs)
    ids = django(
        procs,
        "from kaiku.organisations.models import Membership\n"
        "result = dict(Membership.objects.filter(organisation__slug='kilpa')"
        ".values_list('user__username', 'pk'))",
    )
    eka, toka = logged_in(base, "eka", PASSWORD), logged_in(base, "toka", PASSWORD)
    page = "/o/kilpa/members/"
    tokens = {"eka": csrf_of(eka.get(page).text), "toka": csrf_of(toka.get(page).text)}
    rounds, kept = 15, []
    for _ in range(rounds):
        start = threading.Barrier(2)

        def demote(
            me: str, session: httpx.Client, other: str, start: threading.Barrier = start
        ) -> int:
            start.wait()
            return session.post(
                f"/o/kilpa/members/{ids[other]}/role/",
                data={"csrfmiddlewaretoken": tokens[me], "role": "editor"},
            ).status_code

        with ThreadPoolExecutor(2) as pool:
            a = pool.submit(demote, "eka", eka, "toka")
            b = pool.submit(demote, "toka", toka, "eka")
            # The later one is refused (403: no longer an admin) or told that the
            # organisation must keep an admin (302 with a message); never both through.
            assert {a.result(), b.result()} <= {302, 403}
        admins = django(
            procs,
            "from kaiku.organisations.models import Membership\n"
            "ms = Membership.objects.filter(organisation__slug='kilpa', role='admin')\n"
            "result = ms.count()\n"
            "Membership.objects.filter(organisation__slug='kilpa', user__username__in="
            "['eka', 'toka']).update(role='admin')",
        )
        kept.append(admins)
    assert kept == [1] * rounds
