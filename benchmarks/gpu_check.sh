#!/usr/bin/env bash
# One short GPU check for the device machine: throughput (fp32 and bf16) and CPU-vs-GPU agreement.
# Usage (from the repository root, with .venv built): bash benchmarks/gpu_check.sh OUT_DIR
set -euo pipefail
out=${1:-gpu_check}
mkdir -p "$out"
py=.venv/bin/python
nvidia-smi --query-gpu=name,memory.total --format=csv > "$out/gpu.txt" || true
$py benchmarks/throughput.py --json "$out/throughput_fp32.json" --device cuda --batch 512 --steps 20
$py benchmarks/throughput.py --json "$out/throughput_bf16.json" --device cuda --batch 512 --steps 20 --precision bf16
# the same tiny sweep on CPU and GPU: metrics must agree within tolerance
for device in cpu cuda; do
  .venv/bin/wormgnn benchmark --profile quick --models linear,mlp,gnn --task both --split lowo \
    --device "$device" --out "$out/agree_$device" --workers 1 --no-report > "$out/agree_$device.log" 2>&1
done
$py - "$out" <<'PY'
import json, pathlib, sys

from wormgnn.summary import flatten

out = pathlib.Path(sys.argv[1])


rows = {d: {json.loads(line)["key"]: json.loads(line) for line in (out / f"agree_{d}" / "results.jsonl").open()}
        for d in ("cpu", "cuda")}
worst = 0.0
for key, row in rows["cpu"].items():
    a, b = flatten(row), flatten(rows["cuda"][key])
    worst = max(worst, max(abs(a[k] - b[k]) for k in a))
result = {"max_abs_metric_difference_cpu_vs_cuda": worst}
print(json.dumps(result))
(out / "agreement.json").write_text(json.dumps(result))
PY
time .venv/bin/wormgnn benchmark --profile paper --data "${KATO:-../shared/data/kato2015/WT_NoStim.mat}" \
  --models persistence,linear,mlp,lstm,gnn,gnn-connectome --neurons shared,all --device cuda --workers 1 --out "$out/paper_cuda" --no-report > "$out/paper_cuda.log" 2>&1
