"""The OAuth pieces every connect flow shares: PKCE, state, the callback's checks."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaiku.channels import oauth
from kaiku.channels.base import ChannelError, Failure
from kaiku.channels.meta import oauth as meta_oauth

# RFC 7636, Appendix B: the example verifier and its S256 challenge.
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
UNRESERVED = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")  # RFC 7636 section 4.1

STATE = {"oauth_state": "kGx1bX0c3ZqSx8yJ3n2f1Q4e5R6t7Y8u"}


def test_pkce_challenge_matches_rfc_7636_appendix_b() -> None:
    assert oauth.pkce_challenge(RFC_VERIFIER) == RFC_CHALLENGE


def test_a_pkce_pair_is_a_valid_verifier_and_its_challenge() -> None:
    verifier, challenge = oauth.pkce_pair()
    assert UNRESERVED.match(verifier)
    assert challenge == oauth.pkce_challenge(verifier)
    assert oauth.pkce_pair()[0] != verifier


def test_a_new_state_is_random_and_url_safe() -> None:
    states = {oauth.new_state() for _ in range(50)}
    assert len(states) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", s) for s in states)


def test_a_callback_with_the_right_state_gives_its_code() -> None:
    query = {"state": STATE["oauth_state"], "code": "abc"}
    assert oauth.checked_code(STATE, query) == "abc"


@pytest.mark.parametrize(
    "returned",
    ["", "kGx1bX0c3ZqSx8yJ3n2f1Q4e5R6t7Y8v", "kGx1bX0c3ZqSx8yJ3n2f1Q4e5R6t7Y8", "tilaä"],
    ids=["missing", "one-char-off", "prefix", "non-ascii"],
)
def test_a_state_mismatch_is_refused(returned: str) -> None:
    with pytest.raises(ChannelError) as info:
        oauth.checked_code(STATE, {"state": returned, "code": "abc"})
    assert (info.value.failure, info.value.code) == (Failure.PERMANENT, "state_mismatch")


def test_no_expected_state_never_matches_even_an_empty_one() -> None:
    with pytest.raises(ChannelError) as info:
        oauth.checked_code({}, {"state": "", "code": "abc"})
    assert info.value.code == "state_mismatch"


@given(st.text(max_size=40), st.text(max_size=40))
def test_state_matches_exactly_when_equal_and_not_empty(expected: str, returned: str) -> None:
    assert oauth.state_matches(expected, returned) == (expected != "" and expected == returned)


def test_the_platforms_error_is_reported_before_the_state_is_looked_at() -> None:
    query = {
        "error": "access_denied",
        "error_description": "The user denied the request",
        "state": "forged",
    }
    with pytest.raises(ChannelError) as info:
        oauth.checked_code(STATE, query)
    assert (info.value.failure, info.value.code) == (Failure.PERMANENT, "authorization_denied")
    assert info.value.detail == "The user denied the request"


def test_an_error_without_description_reports_the_error_code() -> None:
    with pytest.raises(ChannelError) as info:
        oauth.checked_code(STATE, {"error": "access_denied", "state": STATE["oauth_state"]})
    assert info.value.detail == "access_denied"


def test_facebooks_error_reason_alone_is_a_refusal() -> None:
    query = {"error_reason": "user_denied", "state": STATE["oauth_state"], "code": "abc"}
    with pytest.raises(ChannelError) as info:
        meta_oauth.checked_code(STATE, query)
    assert (info.value.code, info.value.detail) == ("authorization_denied", "user_denied")


def test_a_platform_may_answer_a_refusal_its_own_way() -> None:
    def refused(refusal: oauth.Refusal) -> ChannelError:
        return ChannelError(Failure.PERMANENT, "needs_approval", refusal.error)

    query = {"error": "unauthorized_scope_error", "state": STATE["oauth_state"]}
    with pytest.raises(ChannelError) as info:
        oauth.checked_code(STATE, query, on_refusal=refused)
    assert (info.value.code, info.value.detail) == ("needs_approval", "unauthorized_scope_error")


def test_a_callback_without_code_is_refused() -> None:
    with pytest.raises(ChannelError) as info:
        oauth.checked_code(STATE, {"state": STATE["oauth_state"]})
    assert (info.value.code, info.value.detail) == ("authorization_denied", "no code")


def test_facebooks_fragment_is_dropped_from_the_code() -> None:
    query = {"state": STATE["oauth_state"], "code": "abc#_=_"}
    assert meta_oauth.checked_code(STATE, query) == "abc"
