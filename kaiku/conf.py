"""Typed helpers that read settings from the environment and reject bad values.

Every Kaiku setting is named ``KAIKU_*``. Secrets may also be given as ``KAIKU_X_FILE``
pointing at a file that holds the value (Docker and systemd credentials work that way).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingError(ValueError):
    """A setting in the environment has a value Kaiku cannot use."""


def _raw(name: str) -> str | None:
    return os.environ.get(name)


HostPort = tuple[str, int | None]


def host_ports(value: str, *, name: str = "") -> tuple[HostPort, ...]:
    """``host`` or ``host:port`` entries, comma-separated (an IPv6 address in brackets:
    ``[fd00::1]:8080``), as (lower-case host, port or None for every port)."""
    out: list[HostPort] = []
    for raw in value.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        host, port = entry, None
        if entry.startswith("["):
            host, _, rest = entry[1:].partition("]")
            if rest:
                port = _port(rest.removeprefix(":"), name, raw)
        elif entry.count(":") == 1:
            host, _, text = entry.partition(":")
            port = _port(text, name, raw)
        host = host.rstrip(".")
        if not host or any(c in host for c in "/@?# "):
            raise SettingError(f"{name}: {raw.strip()!r} is not a host or host:port")
        out.append((host, port))
    return tuple(out)


def _port(text: str, name: str, raw: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise SettingError(f"{name}: {raw.strip()!r} has no valid port")
    return int(text)


def env_host_ports(name: str) -> tuple[HostPort, ...]:
    return host_ports(_raw(name) or "", name=name)


def env_str(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, *, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SettingError(f"{name} must be true or false, not {value!r}")


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise SettingError(f"{name} must be a whole number, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise SettingError(f"{name} must be at least {minimum}, not {number}")
    if maximum is not None and number > maximum:
        raise SettingError(f"{name} must be at most {maximum}, not {number}")
    return number


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default).strip()
    if value not in choices:
        raise SettingError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def env_url(name: str, default: str) -> str:
    value = env_str(name, default).strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SettingError(f"{name} must be an http(s) URL such as https://kaiku.example.org")
    if parts.path not in {"", "/"} or parts.query or parts.fragment:
        raise SettingError(f"{name} must name only the scheme, host and port, not {value!r}")
    return value


def env_secret(name: str) -> str | None:
    """The secret from ``NAME`` or from the file that ``NAME_FILE`` names."""
    direct = _raw(name)
    file_name = _raw(f"{name}_FILE")
    if direct is not None and file_name is not None:
        raise SettingError(f"Give either {name} or {name}_FILE, not both")
    if file_name is not None:
        try:
            value = Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SettingError(f"{name}_FILE: cannot read {file_name}: {exc.strerror}") from None
        if not value:
            raise SettingError(f"{name}_FILE: {file_name} is empty")
        return value
    if direct is not None and not direct.strip():
        raise SettingError(f"{name} is set but empty")
    return direct


def generated_secret(path: Path, nbytes: int = 48) -> str:
    """Read a secret kept in the data directory, creating it (mode 0600) on first use.

    The new key is written to a temporary file and linked into place, so a second process
    starting at the same moment sees either no file or the whole key, never an empty one.
    """
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(tmp, path)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    finally:
        tmp.unlink()
    return value
