from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kaiku import conf


def test_bad_boolean_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAIKU_X", "maybe")
    with pytest.raises(conf.SettingError, match="true or false"):
        conf.env_bool("KAIKU_X", default=False)


def test_numbers_are_checked_against_their_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAIKU_N", "0")
    with pytest.raises(conf.SettingError, match="at least 5"):
        conf.env_int("KAIKU_N", 10, minimum=5)
    monkeypatch.setenv("KAIKU_N", "kymmenen")
    with pytest.raises(conf.SettingError, match="whole number"):
        conf.env_int("KAIKU_N", 10)


def test_public_url_must_be_a_plain_http_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    for bad in ("ftp://x", "kaiku.example.org", "https://x.org/path"):
        monkeypatch.setenv("KAIKU_PUBLIC_URL", bad)
        with pytest.raises(conf.SettingError):
            conf.env_url("KAIKU_PUBLIC_URL", "http://127.0.0.1:8000")


def test_secrets_can_come_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "s"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("KAIKU_SECRET_FILE", str(secret))
    assert conf.env_secret("KAIKU_SECRET") == "from-a-file"
    monkeypatch.setenv("KAIKU_SECRET", "direct")
    with pytest.raises(conf.SettingError, match="not both"):
        conf.env_secret("KAIKU_SECRET")


def test_generated_secret_is_kept_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "data" / "secret_key"
    first = conf.generated_secret(path)
    assert conf.generated_secret(path) == first
    assert path.stat().st_mode & 0o777 == 0o600


def _settings_in_subprocess(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='kaiku.settings';"
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.ALLOWED_HOSTS, getattr(s,'SECURE_HSTS_SECONDS',0),"
        " getattr(s,'SESSION_COOKIE_SECURE',False), s.TIME_ZONE, s.USE_TZ)"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KAIKU_")}
    clean.update({"KAIKU_DATA_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=False
    )


def test_https_public_url_turns_on_secure_cookies_hsts_and_strict_hosts(tmp_path: Path) -> None:
    out = _settings_in_subprocess(tmp_path, KAIKU_PUBLIC_URL="https://kaiku.example.org")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ("False ['kaiku.example.org'] 31536000 True Europe/Helsinki True")


def test_a_bad_setting_stops_kaiku_with_a_clear_message(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAIKU_")}
    env.update({"KAIKU_DATA_DIR": str(tmp_path), "KAIKU_DEBUG": "ehkä"})
    out = subprocess.run(
        [sys.executable, "-m", "kaiku", "system-check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 2
    assert "KAIKU_DEBUG must be true or false" in out.stderr


def _kaiku_with_the_encryption_key_equal_to_the_secret_key(
    tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAIKU_")}
    same = "x" * 40
    env.update(
        {"KAIKU_DATA_DIR": str(tmp_path), "KAIKU_SECRET_KEY": same, "KAIKU_ENCRYPTION_KEY": same}
    )
    return subprocess.run(
        [sys.executable, "-m", "kaiku", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_system_check_refuses_an_encryption_key_equal_to_the_secret_key(tmp_path: Path) -> None:
    out = _kaiku_with_the_encryption_key_equal_to_the_secret_key(tmp_path, "system-check")
    assert out.returncode != 0
    assert "kaiku.E001" in out.stderr


def test_the_worker_runs_the_system_checks_too_and_refuses_to_start_on_a_failing_one(
    tmp_path: Path,
) -> None:
    """The worker skips only the URL check (it serves no URL); Kaiku's own checks still stop it."""
    out = _kaiku_with_the_encryption_key_equal_to_the_secret_key(tmp_path, "worker", "--once")
    assert out.returncode != 0
    assert "kaiku.E001" in out.stderr
    assert "started" not in out.stdout and "käynnistyi" not in out.stdout


def test_the_trusted_proxy_must_be_an_ip_address(tmp_path: Path) -> None:
    out = _settings_in_subprocess(tmp_path, KAIKU_TRUSTED_PROXY="proxy.example.org")
    assert out.returncode != 0
    assert "KAIKU_TRUSTED_PROXY must be the proxy's IP address" in out.stderr
