# The commands of the README. Each creates or reuses .venv (idempotent) first.
PY := .venv/bin/python
export PYTHONUNBUFFERED := 1

.PHONY: env test lint format demo data clean-demo

env:
	@bash tools/setup/setup_env.sh

test: env
	$(PY) -m pytest -q -n 2 --dist worksteal --durations=10 tests

# ruff: pyflakes, pycodestyle, import order, bugbear, and the formatter (settings: pyproject.toml)
lint: env
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: env
	$(PY) -m ruff check --fix --select I .
	$(PY) -m ruff format .

demo: env
	$(PY) tools/demo.py

data: env
	$(PY) tools/data/make_demo_data.py --out data/demo

clean-demo:
	rm -rf work_dirs/demo data/demo
