#!/usr/bin/env bash
# Train the demo teachers (and, on request, the demo students alone) at the paths the demo
# configs read (work_dirs/<config name>/...), skipping those that exist; generate the embedded
# data when it is missing or stale. The results in configs/*/README.md start from here.
#   bash tools/benchmark/demo_models.sh [seg] [depth] [cls] [seg-student] [depth-student]
#                                       [cls-student] [cls-teacher2]
#   (no argument: the three teachers)
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-.venv/bin/python}
"$PYTHON" tools/data/make_demo_data.py  # no-op when the data is up to date
tasks=("$@"); [ ${#tasks[@]} -eq 0 ] && tasks=(seg depth cls)
for task in "${tasks[@]}"; do
    case $task in
        seg)           cfg=seg_pspnet-r18w32_demo-600it_embedded-cityscapes; ckpt=iter_600.pth ;;
        seg-student)   cfg=seg_pspnet-r18w8_demo-600it_embedded-cityscapes; ckpt=iter_600.pth ;;
        depth)         cfg=depth_psp-r18w32_demo-600it_embedded-nyu; ckpt=iter_600.pth ;;
        depth-student) cfg=depth_psp-r18w8_demo-600it_embedded-nyu; ckpt=iter_600.pth ;;
        cls)           cfg=cls_resnet20_demo-15e_embedded-digits; ckpt=epoch_15.pth ;;
        cls-student)   cfg=cls_resnet8_demo-15e_embedded-digits; ckpt=epoch_15.pth ;;
        cls-teacher2)  cfg=cls_resnet14_demo-15e_embedded-digits; ckpt=epoch_15.pth ;;
        *) echo "unknown model '$task': seg, depth, cls, seg-student, depth-student, cls-student or cls-teacher2" >&2
           exit 2 ;;
    esac
    if [ -f "work_dirs/$cfg/$ckpt" ]; then
        echo "[demo_models] exists: work_dirs/$cfg/$ckpt"
    else
        "$PYTHON" tools/train.py "configs/models/$cfg.py"
    fi
done
