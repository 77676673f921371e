# Two commands: `make run` and `make test`. Both set everything up first.
.PHONY: run test setup lint typecheck unit messages

PY := .venv/bin/python

setup:
	@bash scripts/setup.sh

run: setup
	$(PY) -m kaiku serve --demo

test: setup
	@bash scripts/test.sh

# Parts of `make test`, for the working day.
lint: setup
	.venv/bin/ruff check kaiku tests bench
	.venv/bin/ruff format --check kaiku tests bench
	.venv/bin/lint-imports --no-logo

typecheck: setup
	.venv/bin/mypy --strict kaiku

# The fast tests on SQLite on two processes: all but the browser, PostgreSQL-only and slow ones
# (those that start the local Bluesky network, worker processes or servers).
unit: setup
	KAIKU_TESTING=1 PYTHONDONTWRITEBYTECODE=1 .venv/bin/pytest -q -p no:cacheprovider -n 2 \
	  -m "not browser and not postgres_only and not slow"

# Update the message catalogues after changing user-visible text (then translate fi and sv).
messages:
	$(PY) -m kaiku makemessages -l fi -l sv -l en --no-obsolete --ignore ".venv/*" \
	  --ignore "tests/*" --ignore "bench/*" --ignore ".cache/*" --ignore "kaiku/language/*" \
	  --ignore "data/*"
