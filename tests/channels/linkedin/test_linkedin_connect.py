"""Connecting LinkedIn: the organisation's own app, OAuth, page or profile, role and approval."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from kaiku.channels.base import Account, ChannelError, Failure, Redirect
from kaiku.channels.linkedin.client import ORGANIZATION_SCOPES, PERSON_SCOPES
from kaiku.channels.linkedin.connector import LinkedInConnector, parse_page
from tests.channels.linkedin.conftest import CALLBACK, make_connector
from tests.channels.linkedin.server import ORG_URN, PERSON_URN, LinkedInServer

ORG_APP = {"client_id": "kaiku-org-app", "client_secret": "org-app-secret"}
PROFILE_APP = {"client_id": "kaiku-profile-app", "client_secret": "profile-app-secret"}


def follow_authorize(redirect: Redirect) -> dict[str, str]:
    """Play the browser: open LinkedIn's consent page, return the query it sends us back with."""
    response = httpx.get(redirect.url, follow_redirects=False)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(CALLBACK + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def connect(local: type[LinkedInConnector], **data: str) -> Any:
    redirect = local.start_connect(data, CALLBACK)
    return local.finish_connect(redirect.state, follow_authorize(redirect), CALLBACK)


def test_connecting_a_page_asks_for_page_scopes_and_returns_the_page(
    linkedin: LinkedInServer, local: type[LinkedInConnector]
) -> None:
    redirect = local.start_connect(
        {**ORG_APP, "page": "https://www.linkedin.com/company/toivonpolku/"}, CALLBACK
    )

    parts = urlsplit(redirect.url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        f"{linkedin.base_url}/oauth/v2/authorization"
    )
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["kaiku-org-app"]
    assert query["redirect_uri"] == [CALLBACK]
    assert query["scope"] == [" ".join(ORGANIZATION_SCOPES)]
    assert query["state"] == [redirect.state["oauth_state"]]

    setup = local.finish_connect(redirect.state, follow_authorize(redirect), CALLBACK)

    assert setup.handle == ORG_URN
    assert setup.display_name == "Toivon Polku ry"
    assert setup.settings["author"] == ORG_URN
    assert setup.settings["target"] == "organization"
    assert "linkedin_version" not in setup.settings  # not pinned: the setting decides
    assert setup.settings["member"] == PERSON_URN
    assert setup.credentials["access_token"] in linkedin.tokens
    assert "refresh_token" not in setup.credentials
    assert setup.expires_at is not None
    sixty_days = datetime.now(UTC) + timedelta(days=60)
    assert abs((setup.expires_at - sixty_days).total_seconds()) < 60
    (acl_call,) = linkedin.requests_to("GET", "/rest/organizationAcls")
    assert acl_call.query["q"] == ["roleAssignee"]


def test_connecting_a_page_by_its_number_needs_no_lookup_by_name(
    linkedin: LinkedInServer, local: type[LinkedInConnector]
) -> None:
    setup = connect(local, **ORG_APP, page="2414183")

    assert setup.handle == ORG_URN
    assert setup.display_name == "Toivon Polku ry"
    assert linkedin.requests_to("GET", "/rest/organizations") == []


def test_connecting_a_personal_profile_uses_openid_userinfo(
    linkedin: LinkedInServer, local: type[LinkedInConnector]
) -> None:
    redirect = local.start_connect({**PROFILE_APP, "page": ""}, CALLBACK)
    assert parse_qs(urlsplit(redirect.url).query)["scope"] == [" ".join(PERSON_SCOPES)]

    setup = local.finish_connect(redirect.state, follow_authorize(redirect), CALLBACK)

    assert setup.handle == PERSON_URN
    assert setup.display_name == "Aino Esimerkki"
    assert setup.settings["target"] == "person"
    assert setup.settings["author"] == PERSON_URN
    (userinfo,) = linkedin.requests_to("GET", "/v2/userinfo")
    assert userinfo.headers["authorization"] == f"Bearer {setup.credentials['access_token']}"


def test_a_member_who_does_not_administer_the_page_is_refused_clearly(
    linkedin: LinkedInServer, local: type[LinkedInConnector]
) -> None:
    linkedin.acls[0]["role"] = "ANALYST"

    with pytest.raises(ChannelError) as caught:
        connect(local, **ORG_APP, page="toivonpolku")

    assert caught.value.failure is Failure.PERMANENT
    assert caught.value.code == "not_page_admin"
    assert "ANALYST" in caught.value.detail


def test_a_page_through_an_app_without_community_management_needs_approval(
    local: type[LinkedInConnector],
) -> None:
    # The profile app has only "Share on LinkedIn" and OpenID: LinkedIn will not grant page
    # scopes and says so on the way back.
    with pytest.raises(ChannelError) as caught:
        connect(local, **PROFILE_APP, page="toivonpolku")

    assert caught.value.code == "needs_approval"
    assert "w_organization_social" in caught.value.detail


def test_page_calls_refused_by_linkedin_at_connect_need_approval(
    linkedin: LinkedInServer, local: type[LinkedInConnector]
) -> None:
    linkedin.organization_access = False

    with pytest.raises(ChannelError) as caught:
        connect(local, **ORG_APP, page="toivonpolku")

    assert caught.value.failure is Failure.PERMANENT
    assert caught.value.code == "needs_approval"
    assert caught.value.status == 403


def test_an_unknown_page_name_is_reported(local: type[LinkedInConnector]) -> None:
    with pytest.raises(ChannelError) as caught:
        connect(local, **ORG_APP, page="ei-ole-olemassa")

    assert caught.value.code == "invalid_page"


def test_a_cancelled_authorisation_is_reported(
    linkedin: LinkedInServer, local: type[LinkedInConnector]
) -> None:
    linkedin.deny_authorization = True

    with pytest.raises(ChannelError) as caught:
        connect(local, **ORG_APP, page="toivonpolku")

    assert caught.value.code == "authorization_denied"


def test_a_callback_with_another_state_is_refused(local: type[LinkedInConnector]) -> None:
    redirect = local.start_connect({**ORG_APP, "page": "toivonpolku"}, CALLBACK)
    query = follow_authorize(redirect)
    query["state"] = "forged"

    with pytest.raises(ChannelError) as caught:
        local.finish_connect(redirect.state, query, CALLBACK)

    assert caught.value.code == "state_mismatch"


def test_a_wrong_client_secret_fails_as_auth(local: type[LinkedInConnector]) -> None:
    with pytest.raises(ChannelError) as caught:
        connect(local, client_id="kaiku-org-app", client_secret="wrong", page="toivonpolku")

    assert caught.value.failure is Failure.AUTH


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", None),
        ("2414183", ("id", "2414183")),
        ("urn:li:organization:2414183", ("id", "2414183")),
        ("https://www.linkedin.com/company/2414183/admin/", ("id", "2414183")),
        ("https://fi.linkedin.com/company/ToivonPolku", ("vanity", "toivonpolku")),
        ("toivonpolku", ("vanity", "toivonpolku")),
    ],
)
def test_the_page_may_be_given_as_number_urn_address_or_name(
    value: str, expected: tuple[str, str] | None
) -> None:
    assert parse_page(value) == expected


def test_a_page_field_that_is_no_page_is_refused() -> None:
    with pytest.raises(ChannelError) as caught:
        parse_page("https://example.com/meidän sivu")

    assert caught.value.code == "invalid_page"


def test_a_granted_refresh_token_is_kept_and_renews_the_access_token(
    linkedin: LinkedInServer, local: type[LinkedInConnector]
) -> None:
    linkedin.register_app(**ORG_APP, products=("community",), refresh_tokens=True)
    setup = connect(local, **ORG_APP, page="toivonpolku")
    assert setup.credentials["refresh_token"] in linkedin.refresh_tokens
    saved: list[dict[str, Any]] = []
    connector = local(
        Account(setup.handle, linkedin.base_url, setup.credentials, setup.settings, saved.append)
    )

    assert connector.refresh_credentials() is True

    (new,) = saved
    assert new["access_token"] != setup.credentials["access_token"]
    assert new["access_token"] in linkedin.tokens
    assert new["refresh_token"] == setup.credentials["refresh_token"]
    assert datetime.fromisoformat(new["expires_at"]) > datetime.now(UTC) + timedelta(days=59)
    connector.verify()  # the new token works


def test_without_a_refresh_token_renewal_is_not_possible(
    linkedin: LinkedInServer, local: type[LinkedInConnector]
) -> None:
    connector = make_connector(local, linkedin, page=True)

    assert connector.refresh_credentials() is False


def test_verify_passes_for_a_working_page_and_profile(
    linkedin: LinkedInServer, local: type[LinkedInConnector]
) -> None:
    make_connector(local, linkedin, page=True).verify()
    make_connector(local, linkedin, page=False).verify()


def test_verify_of_an_expired_token_is_auth(
    linkedin: LinkedInServer, page: LinkedInConnector
) -> None:
    linkedin.expire_token(page.account.credentials["access_token"])

    with pytest.raises(ChannelError) as caught:
        page.verify()

    assert caught.value.failure is Failure.AUTH


def test_verify_notices_a_lost_page_role(linkedin: LinkedInServer, page: LinkedInConnector) -> None:
    linkedin.acls.clear()

    with pytest.raises(ChannelError) as caught:
        page.verify()

    assert caught.value.code == "not_page_admin"
