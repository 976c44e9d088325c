#!/usr/bin/env bash
# Create or reuse the project's virtual environment (.venv) with the pinned stack.
#
# Idempotent: a stamp in the venv records a hash of this script and requirements.txt; when it
# matches, nothing is installed (a second run takes about a second). Works on a machine with no
# GPU and no internet beyond the package registries. torch/torchvision are pinned to the builds
# this machine kind has on local disk; mmcv is built from source once per machine and cached
# (tools/setup/build_mmcv.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV="${MMKD_VENV:-.venv}"
PYTHON="${MMKD_PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
TORCH_PINS=(torch==2.14.1 torchvision==0.29.1)

stamp_value=$(cat tools/setup/setup_env.sh tools/setup/build_mmcv.sh requirements.txt setup.py | sha256sum | cut -c1-16)
stamp="$VENV/.mmkd-setup-$stamp_value"
if [[ -f "$stamp" ]]; then
  exit 0
fi

start=$(date +%s)
[[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
py="$VENV/bin/python"
"$py" -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
"$py" -m pip install -q "${TORCH_PINS[@]}" 2>&1 | grep -v "is ignored" || true
"$py" -c 'import torch, torchvision' || { echo "[mmkd] torch/torchvision did not install" >&2; exit 1; }
# the rest of the stack first: mmcv is installed without its dependencies, which these pin
"$py" -m pip install -q -r requirements.txt "${TORCH_PINS[@]}" 2>&1 | grep -v "is ignored" || true
if ! "$py" -c 'import mmcv, mmcv.ops' 2>/dev/null || [[ "$("$py" -c 'import mmcv; print(mmcv.__version__)')" != 2.1.0 ]]; then
  PYTHON="$py" bash tools/setup/build_mmcv.sh
fi
# --no-deps for mmkd itself keeps pip from trying to re-resolve mmcv from PyPI's source release.
"$py" -m pip install -q --no-deps --no-build-isolation -e . 2>&1 | grep -v "is ignored" || true
"$py" -c 'import mmkd, mmseg, mmpretrain, mmcv.ops' || { echo "[mmkd] set-up incomplete" >&2; exit 1; }
rm -f "$VENV"/.mmkd-setup-*
touch "$stamp"
echo "[mmkd] environment ready in $VENV ($(( $(date +%s) - start )) s)"
