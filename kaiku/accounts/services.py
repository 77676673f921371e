"""Sign-in rules: throttling failed attempts and checking one-time codes."""

from __future__ import annotations

import hmac
import time
from datetime import timedelta

import pyotp
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Q
from django.utils import timezone

from kaiku import crypto
from kaiku.accounts.models import ApiToken, FailedLogin, User
from kaiku.organisations.models import Membership
from kaiku.organisations.roles import Role


def is_throttled(username: str, ip_address: str | None) -> bool:
    since = timezone.now() - timedelta(seconds=settings.KAIKU_LOGIN_WINDOW_SECONDS)
    recent = FailedLogin.objects.filter(created_at__gte=since)
    limit = settings.KAIKU_LOGIN_MAX_FAILURES
    if recent.filter(username=username.lower()).count() >= limit:
        return True
    return bool(ip_address) and recent.filter(ip_address=ip_address).count() >= 4 * limit


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


def verify_totp(secret: str, code: str) -> bool:
    return totp_step(secret, code) is not None


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


def token_refused(token: ApiToken) -> bool:
    """API tokens are not exempt from the two-factor rule: an admin's token made without
    two-factor sign-in (or whose owner has since turned it off) is refused."""
    user = token.user
    return not (token.two_factor and user.has_two_factor) and two_factor_required(user)
