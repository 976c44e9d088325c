# The two commands of the README. Both create or reuse .venv (idempotent) first.
PY := .venv/bin/python
export PYTHONUNBUFFERED := 1

.PHONY: env test demo data clean-demo

env:
	@bash tools/setup/setup_env.sh

test: env
	$(PY) -m pytest -q -n 2 --dist loadfile --durations=10 tests

demo: env
	$(PY) tools/demo.py

data: env
	$(PY) tools/data/make_demo_data.py --out data/demo

clean-demo:
	rm -rf work_dirs/demo data/demo
