# Two commands: `make run` and `make test`. Both set everything up first.
.PHONY: run test setup lint typecheck unit postgres browser messages

PY := .venv/bin/python

setup:
	@bash scripts/setup.sh

run: setup
	$(PY) -m kaiku serve --demo

test: setup
	@bash scripts/test.sh

# Update the message catalogues after changing user-visible text (then translate fi and sv).
messages:
	$(PY) -m kaiku makemessages -l fi -l sv -l en --no-obsolete --ignore ".venv/*" \
	  --ignore "tests/*" --ignore "bench/*" --ignore ".cache/*" --ignore "kaiku/language/*" \
	  --ignore "data/*"
