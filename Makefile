# Two commands: `make run` and `make test`. Both set everything up first.
.PHONY: run test setup lint typecheck unit postgres browser messages

PY := .venv/bin/python

setup:
	@bash scripts/setup.sh

run: setup
	$(PY) -m kaiku serve --demo

test: setup
	@bash scripts/test.sh

messages:
	cd kaiku && ../$(PY) -m django makemessages -l fi -l sv -l en --no-obsolete --settings=kaiku.settings
