#!/usr/bin/env bash
# Sets up everything Kaiku needs on a Debian machine: system packages where missing (as root
# with apt), the virtual environment in .venv/, the Python packages, and compiled translations.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
have_deb() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# hunspell-sv: the Swedish dictionary the language check reads for compounds and verb forms.
for pkg in libvoikko1 voikko-fi hunspell-sv gettext; do have_deb "$pkg" || need_apt+=("$pkg"); done
if [ "${KAIKU_SETUP_TEST:-0}" = 1 ]; then
  for pkg in postgresql chromium nginx-light; do have_deb "$pkg" || need_apt+=("$pkg"); done
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${need_apt[*]}"
    if [ ! -f .cache/apt-updated ] || [ -n "$(find .cache/apt-updated -mmin +720 2>/dev/null)" ]; then
      apt-get update -q >/dev/null
      mkdir -p .cache && touch .cache/apt-updated
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "setup: WARNING: missing Debian packages: ${need_apt[*]}" >&2
    echo "setup: install them (sudo apt-get install ${need_apt[*]}); without Voikko or hunspell-sv the" >&2
    echo "setup: language check runs on its simpler fallback and says so." >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  python3 -m venv .venv
fi
stamp=.venv/.kaiku-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python packages (a few minutes the first time)"
  # pip's and setuptools' own chatter (deprecation notes of the build) goes to a log that is
  # shown only when the install fails.
  mkdir -p .cache
  if ! { .venv/bin/python -m pip install -q --upgrade pip &&
    .venv/bin/python -m pip install -q -e ".[dev]"; } >.cache/pip-install.log 2>&1; then
    cat .cache/pip-install.log >&2
    echo "setup: installing the Python packages failed (log above, also in .cache/pip-install.log)" >&2
    exit 1
  fi
  touch "$stamp"
fi

# Compiled translations (.mo) are built, not committed.
for po in kaiku/locale/*/LC_MESSAGES/django.po; do
  [ -f "$po" ] || continue
  mo="${po%.po}.mo"
  if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then
    msgfmt --check -o "$mo" "$po"
  fi
done
