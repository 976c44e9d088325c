#!/usr/bin/env bash
# Build (once) and install the full mmcv (with ops) into the active Python environment.
#
# Why this script exists: PyPI ships mmcv 2.x only as source, mmsegmentation imports `mmcv.ops`
# at import time (so mmcv-lite is not enough), and mmcv 2.1.0's setup.py does not build as is on
# torch 2.14:
#   * setup.py imports `pkg_resources`, which setuptools >= 70 no longer provides the way it needs,
#     while torch 2.14 itself requires setuptools >= 77. We keep the environment's setuptools and
#     put a private setuptools<70 first on PYTHONPATH for the build only.
#   * setup.py forces `-std=c++17`, but torch 2.14's headers need C++20. We patch that one flag in
#     the unpacked source (a visible, reviewable change) instead of wrapping the compiler.
#   * the extension imports torch at build time, hence `--no-build-isolation`.
# The wheel is kept in $MMKD_WHEEL_CACHE, so later set-ups on the same machine install it in seconds.
# On a CUDA machine set FORCE_CUDA=1 (and TORCH_CUDA_ARCH_LIST) to build the CUDA ops as well.
# Needs torch installed first; install requirements.txt before importing mmcv.
set -euo pipefail

MMCV_VERSION="${MMCV_VERSION:-2.1.0}"
CACHE="${MMKD_WHEEL_CACHE:-$HOME/.cache/mmkd/wheels}"
PY="${PYTHON:-python}"
mkdir -p "$CACHE"

cuda_tag=cpu
[[ "${FORCE_CUDA:-0}" == "1" ]] && cuda_tag=cuda
torch_version=$("$PY" -c 'import torch; print(torch.__version__.split("+")[0])')
# One cached wheel per (mmcv, torch, cpu/cuda): the ops are compiled against torch's ABI.
slot="$CACHE/mmcv-$MMCV_VERSION-torch$torch_version-$cuda_tag"

if ! ls "$slot"/mmcv-"$MMCV_VERSION"-*.whl >/dev/null 2>&1; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "[mmkd] building mmcv $MMCV_VERSION with ops for torch $torch_version ($cuda_tag); ~12 min on 2 cores, once per machine"
  "$PY" -m pip install -q --no-deps --target "$work/buildtools" 'setuptools<70' 'wheel<0.46'
  export PYTHONPATH="$work/buildtools${PYTHONPATH:+:$PYTHONPATH}"
  "$PY" -m pip download -q --no-deps --no-binary mmcv --no-build-isolation \
    "mmcv==$MMCV_VERSION" -d "$work/sdist"
  tar -xzf "$work/sdist/mmcv-$MMCV_VERSION.tar.gz" -C "$work"
  src="$work/mmcv-$MMCV_VERSION"
  grep -q -- "-std=c++17" "$src/setup.py" || { echo "[mmkd] mmcv setup.py no longer forces -std=c++17; review this script" >&2; exit 1; }
  sed -i 's/-std=c++17/-std=c++20/g' "$src/setup.py"
  MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
    "$PY" -m pip wheel -q --no-deps --no-build-isolation "$src" -w "$work/wheel"
  mkdir -p "$slot"
  mv "$work"/wheel/mmcv-*.whl "$slot"/
fi
# --no-deps: mmcv's own requirements (mmengine, opencv, ...) come pinned from requirements.txt.
"$PY" -m pip install -q --no-deps --force-reinstall "$slot"/mmcv-"$MMCV_VERSION"-*.whl
echo "[mmkd] mmcv $MMCV_VERSION with ops is installed (from $slot)"
