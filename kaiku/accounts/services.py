"""Sign-in rules: throttling failed attempts and checking one-time codes."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from django.conf import settings
from django.utils import timezone

from kaiku.accounts.models import FailedLogin, User


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


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="Kaiku")


def verify_totp(secret: str, code: str) -> bool:
    code = "".join(ch for ch in code if ch.isdigit())
    return len(code) == 6 and pyotp.TOTP(secret).verify(code, valid_window=1)
