"""Sign-in rules: throttling failed attempts and checking one-time codes."""

from __future__ import annotations

import hmac
import math
import secrets
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

import pyotp
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Count, Max, Q
from django.utils import timezone

from kaiku import crypto
from kaiku.accounts.models import ApiToken, FailedLogin, SignInLink, User, hash_token
from kaiku.organisations.models import Membership
from kaiku.organisations.roles import Role

# Sign-in link requests share the FailedLogin table under this prefix (":" is not allowed in
# a username, so no account's failures can be mistaken for them).
LINK_PREFIX = "link:"


def _backoff(failures: int, last: datetime | None, limit: int) -> float:
    """Seconds still to wait: none below ``limit`` failures, then doubling from the backoff
    base with each further failure, never longer than the window (a wait, not a lock)."""
    if failures < limit or last is None:
        return 0.0
    base: int = settings.KAIKU_LOGIN_BACKOFF_SECONDS
    window: int = settings.KAIKU_LOGIN_WINDOW_SECONDS
    wait = min(base * 2 ** min(failures - limit, 20), window)
    elapsed: float = (timezone.now() - last).total_seconds()
    return max(0.0, float(wait) - elapsed)


def wait_seconds(username: str, ip_address: str | None) -> int:
    """How long the next sign-in attempt for this account from this client must wait (0: now).

    Counted per account and per client address (the person's own, from the trusted proxy's
    X-Forwarded-For), so many people behind one proxy do not share one budget."""
    since = timezone.now() - timedelta(seconds=settings.KAIKU_LOGIN_WINDOW_SECONDS)
    # Sign-in link requests are counted in the same table ("link:<address>"), not as failures.
    recent = FailedLogin.objects.filter(created_at__gte=since).exclude(
        username__startswith=LINK_PREFIX
    )
    limit = settings.KAIKU_LOGIN_MAX_FAILURES
    by_account = recent.filter(username=username.lower()).aggregate(
        n=Count("id"), last=Max("created_at")
    )
    wait = _backoff(by_account["n"], by_account["last"], limit)
    if ip_address:
        by_client = recent.filter(ip_address=ip_address).aggregate(
            n=Count("id"), last=Max("created_at")
        )
        wait = max(wait, _backoff(by_client["n"], by_client["last"], 4 * limit))
    return math.ceil(wait)


def note_failure(username: str, ip_address: str | None) -> None:
    FailedLogin.objects.create(username=username.lower()[:150], ip_address=ip_address)


def clear_failures(username: str) -> None:
    FailedLogin.objects.filter(username=username.lower()).delete()


def new_totp_secret() -> str:
    return pyotp.random_base32()


_PENDING_TOTP = "kaiku_totp_secret"
_PENDING_TOTP_CONTEXT = "session.totp_secret"


def pending_totp_secret(session: SessionBase) -> str:
    """The secret being set up, kept encrypted in the session between page loads."""
    sealed = session.get(_PENDING_TOTP)
    if isinstance(sealed, str):
        try:
            return crypto.decrypt(sealed, _PENDING_TOTP_CONTEXT)
        except crypto.DecryptionError:
            pass  # an old clear value or a rotated key: start with a new secret
    secret = new_totp_secret()
    session[_PENDING_TOTP] = crypto.encrypt(secret, _PENDING_TOTP_CONTEXT)
    return secret


def forget_totp_secret(session: SessionBase) -> None:
    session.pop(_PENDING_TOTP, None)


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="Kaiku")


def totp_step(secret: str, code: str) -> int | None:
    """The time step (now or one either side, for clock drift) whose code ``code`` is."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6 or not secret:
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(time.time())
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def use_totp(user: User, code: str) -> bool:
    """True once per code: the step is recorded with a conditional UPDATE, so the same code
    (or an older one) is refused afterwards, even by a request racing this one."""
    if not user.has_two_factor:
        return False
    step = totp_step(user.totp_secret, code)
    if step is None:
        return False
    newer = Q(totp_last_step__isnull=True) | Q(totp_last_step__lt=step)
    if User.objects.filter(newer, pk=user.pk).update(totp_last_step=step) != 1:
        return False
    user.totp_last_step = step
    return True


def two_factor_required(user: User) -> bool:
    """An admin of an organisation that requires two-factor sign-in for admins."""
    return Membership.objects.filter(
        user=user, role=Role.ADMIN, organisation__require_two_factor_for_admins=True
    ).exists()


def two_factor_required_by(memberships: Iterable[Membership]) -> bool:
    """``two_factor_required`` over memberships already loaded with their organisations: the
    request's own list, so that the check costs no query of its own."""
    return any(
        m.role == Role.ADMIN and m.organisation.require_two_factor_for_admins for m in memberships
    )


def token_refused(token: ApiToken, memberships: Iterable[Membership] | None = None) -> bool:
    """API tokens are not exempt from the two-factor rule: an admin's token made without
    two-factor sign-in (or whose owner has since turned it off) is refused. ``memberships``:
    the owner's, if the caller has them loaded (with their organisations)."""
    user = token.user
    if token.two_factor and user.has_two_factor:
        return False
    if memberships is None:
        return two_factor_required(user)
    return two_factor_required_by(memberships)


# --- one-time sign-in links by e-mail ---------------------------------------------------------

# Link requests per address and per client in the window: enough for a typo, not a mail bomb.
LINK_REQUESTS = 3


def may_send_sign_in_link(email: str, ip_address: str | None) -> bool:
    since = timezone.now() - timedelta(seconds=settings.KAIKU_LOGIN_WINDOW_SECONDS)
    key = LINK_PREFIX + email.lower()
    recent = FailedLogin.objects.filter(created_at__gte=since)
    if recent.filter(username=key[:150]).count() >= LINK_REQUESTS:
        return False
    return not (
        ip_address
        and recent.filter(username__startswith=LINK_PREFIX, ip_address=ip_address).count()
        >= 4 * LINK_REQUESTS
    )


def issue_sign_in_link(email: str, ip_address: str | None) -> list[tuple[User, str]]:
    """A new link for each active account with this address (usually one), as (user, token).

    The request is counted like a failure, so that links cannot be asked for without end."""
    FailedLogin.objects.create(username=(LINK_PREFIX + email.lower())[:150], ip_address=ip_address)
    issued = []
    for user in User.objects.filter(email__iexact=email, is_active=True):
        raw = secrets.token_urlsafe(32)
        SignInLink.objects.create(
            user=user,
            token_hash=hash_token(raw),
            expires_at=timezone.now() + timedelta(seconds=settings.KAIKU_SIGN_IN_LINK_SECONDS),
        )
        issued.append((user, raw))
    return issued


def open_sign_in_link(raw: str) -> SignInLink | None:
    """The link if it is unused and unexpired (it is not used up by looking)."""
    return (
        SignInLink.objects.select_related("user")
        .filter(
            token_hash=hash_token(raw),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .first()
    )


def use_sign_in_link(raw: str) -> User | None:
    """The link's person, once: a conditional UPDATE marks it used, so of two clicks (or a
    mail scanner and the person) only one signs in."""
    link = open_sign_in_link(raw)
    if link is None:
        return None
    taken = SignInLink.objects.filter(
        pk=link.pk, used_at__isnull=True, expires_at__gt=timezone.now()
    ).update(used_at=timezone.now())
    if taken != 1:
        return None
    clear_failures(link.user.username)
    return link.user
