"""Every view, for every role and for an outsider: who may see and do what."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db

ALL = ("admin", "editor", "reviewer", "viewer")

# (method, url, roles that get through); everyone else gets 403, outsiders 404.
ORG_VIEWS = [
    ("get", "/o/toivon-polku/", ALL),
    ("get", "/o/toivon-polku/members/", ALL),
    ("post", "/o/toivon-polku/members/invite/", ("admin",)),
    ("get", "/o/toivon-polku/settings/", ("admin",)),
    ("get", "/o/toivon-polku/audit/", ("admin",)),
]


@pytest.mark.parametrize(("method", "url", "allowed"), ORG_VIEWS)
@pytest.mark.parametrize("who", [*ALL, "outsider"])
def test_each_role_reaches_exactly_the_views_its_role_allows(
    client_for: Any, method: str, url: str, allowed: tuple[str, ...], who: str
) -> None:
    client = client_for(who)
    data = {"email": "uusi@example.test", "role": "editor"} if method == "post" else None
    response = getattr(client, method)(url, data)
    if who == "outsider":
        assert response.status_code == 404
    elif who in allowed:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(
    "url",
    ["/", "/o/toivon-polku/", "/o/toivon-polku/members/", "/accounts/me/", "/accounts/two-factor/"],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client: Any, members: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", [*ALL, "outsider"])
def test_member_actions_are_for_admins_only(client_for: Any, members: Any, who: str) -> None:
    from kaiku.organisations.models import Membership

    target = Membership.objects.get(user=members["viewer"])
    client = client_for(who)
    role = client.post(f"/o/toivon-polku/members/{target.pk}/role/", {"role": "editor"})
    target.refresh_from_db()
    if who == "admin":
        assert role.status_code == 302
        assert target.role == "editor"
    else:
        assert role.status_code == (404 if who == "outsider" else 403)
        assert target.role == "viewer"
    remove = client.post(f"/o/toivon-polku/members/{target.pk}/remove/")
    assert Membership.objects.filter(pk=target.pk).exists() == (who != "admin")
    assert remove.status_code == {"admin": 302, "outsider": 404}.get(who, 403)


@pytest.mark.parametrize("who", [*ALL, "outsider"])
def test_own_account_pages_work_for_every_logged_in_person(client_for: Any, who: str) -> None:
    client = client_for(who)
    assert client.get("/accounts/me/").status_code == 200
    assert client.get("/accounts/two-factor/").status_code == 200
    assert client.get("/accounts/password/").status_code == 200
    assert client.post("/accounts/tokens/", {"name": "skripti"}).status_code == 200


def test_an_organisation_page_writes_the_session_only_when_the_organisation_changes(
    client_for: Any,
) -> None:
    """The live check calls an organisation view on every keystroke; writing the session row
    each time made two concurrent calls race for it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("editor")
    client.get("/o/toivon-polku/")
    assert client.session["kaiku_organisation"] == "toivon-polku"
    with CaptureQueriesContext(connection) as seen:
        for _ in range(3):
            assert client.post("/o/toivon-polku/check/partial/", {"text": "Hei"}).status_code == 200
    writes = [q["sql"] for q in seen if "django_session" in q["sql"] and "SELECT" not in q["sql"]]
    assert writes == []


def test_a_changed_role_or_removed_membership_counts_from_the_very_next_request(
    client_for: Any, members: Any
) -> None:
    """The memberships are read once per request (issue 17) and never kept longer: a demoted
    editor loses the settings page on the next request, a removed one the organisation, on
    the web and through the API alike."""
    from kaiku.accounts.models import ApiToken
    from kaiku.organisations.models import Membership

    client = client_for("admin")
    raw = ApiToken.issue(members["admin"], "skripti")[1]
    api = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/o/toivon-polku/settings/").status_code == 200
    assert client.get("/api/v1/organisations/toivon-polku", **api).json()["role"] == "admin"
    membership = Membership.objects.get(user=members["admin"], organisation__slug="toivon-polku")
    membership.role = "viewer"
    membership.save()
    assert client.get("/o/toivon-polku/settings/").status_code == 403
    assert client.get("/api/v1/organisations/toivon-polku", **api).json()["role"] == "viewer"
    membership.delete()
    assert client.get("/o/toivon-polku/").status_code == 404
    assert client.get("/api/v1/organisations/toivon-polku", **api).status_code == 404
    assert client.get("/api/v1/organisations", **api).json() == []


def test_a_demand_for_two_factor_counts_from_the_very_next_request(
    client_for: Any, members: Any
) -> None:
    from kaiku.organisations.models import Organisation

    client = client_for("admin")
    assert client.get("/o/toivon-polku/").status_code == 200
    Organisation.objects.filter(slug="toivon-polku").update(require_two_factor_for_admins=True)
    response = client.get("/o/toivon-polku/")
    assert response.status_code == 302
    assert "/accounts/two-factor/" in response["Location"]
    # An editor is not an admin: the rule is for admins only.
    assert client_for("editor").get("/o/toivon-polku/").status_code == 200


def test_an_organisation_page_reads_the_persons_memberships_once(client_for: Any) -> None:
    """Issue 17: the two-factor check, the access check and the organisation menu each read
    the memberships on their own (three queries of every page); one list serves all three."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("admin")
    client.get("/o/toivon-polku/")
    with CaptureQueriesContext(connection) as seen:
        assert client.get("/o/toivon-polku/").status_code == 200
    # Reads of the membership table itself (the admin's onboarding card asks about other
    # members in a subquery of its own).
    own = ('SELECT "organisations_membership"', 'SELECT 1 AS "a" FROM "organisations_membership"')
    reads = [q["sql"] for q in seen if q["sql"].startswith(own)]
    assert len(reads) == 1, reads
