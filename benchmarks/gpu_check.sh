#!/usr/bin/env bash
# One short GPU check for the device machine, in one call:
#   1. every model × task × neuron set trains and tests on cuda (tiny profile, simulated worms),
#      with no failed run, and its metrics agree with the same sweep on the CPU;
#   2. throughput (fp32 and bf16) at N = 22, 135 and 302;
#   3. the paper sweep of the six models, one seed, on the real worms (wall time).
# Usage, from the repository root: bash benchmarks/gpu_check.sh OUT_DIR
# PYTHON defaults to python3 with src/ on PYTHONPATH (the device machine has no venv; carry the
# safetensors wheel there, see the device tool's README). DEVICE=cpu runs it all on the CPU, to try it.
set -euo pipefail
out=${1:-gpu_check}
device=${DEVICE:-cuda}
py=${PYTHON:-python3}
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
mkdir -p "$out"
nvidia-smi --query-gpu=name,memory.total --format=csv > "$out/gpu.txt" 2>/dev/null || echo "no nvidia-smi" > "$out/gpu.txt"
models=persistence,linear,mlp,lstm,gnn,gnn-connectome
for where in cpu "$device"; do
  [ -d "$out/agree_$where" ] && continue
  $py -m wormgnn.cli benchmark --profile tiny --models "$models" --neurons shared,all --task both --split lowo \
    --device "$where" --out "$out/agree_$where" --workers 1 --no-report > "$out/agree_$where.log" 2>&1 || true
done
$py - "$out" "$device" <<'PY'
import json, pathlib, sys

from wormgnn.summary import flatten

out, device = pathlib.Path(sys.argv[1]), sys.argv[2]
rows = {d: {json.loads(line)["key"]: json.loads(line) for line in (out / f"agree_{d}" / "results.jsonl").open()}
        for d in ("cpu", device)}
failed = {d: json.loads((out / f"agree_{d}" / "failed.json").read_text()) for d in ("cpu", device)}
combos = sorted({(r["model"], r["task"], r["neurons"]) for r in rows[device].values()})
worst = {}
for key, row in rows["cpu"].items():
    other = rows[device].get(key)
    if other is None:
        continue
    a, b = flatten(row), flatten(other)
    name = f"{row['model']}/{row['task']}/{row['neurons']}"
    worst[name] = max(worst.get(name, 0.0), max(abs(a[k] - b[k]) for k in a))
result = {"device": device, "runs": {d: len(r) for d, r in rows.items()},
          "failed": {d: [f"{f['model']}/{f['task']}/{f['neurons']}: {f['error'].splitlines()[0]}" for f in v]
                     for d, v in failed.items()},
          "combinations_on_device": [f"{m}/{t}/{n}" for m, t, n in combos],
          "max_abs_metric_difference_by_model": worst,
          "seconds_by_model": {d: {} for d in rows}}
for d, by_key in rows.items():
    for row in by_key.values():
        name = f"{row['model']}/{row['task']}/{row['neurons']}"
        result["seconds_by_model"][d][name] = round(result["seconds_by_model"][d].get(name, 0) + row["seconds"], 2)
print(json.dumps(result, indent=1))
(out / "agreement.json").write_text(json.dumps(result, indent=1))
PY
$py benchmarks/throughput.py --json "$out/throughput_fp32.json" --device "$device" --sizes 22,135,302 --batch 512 --steps 20
$py benchmarks/throughput.py --json "$out/throughput_bf16.json" --device "$device" --sizes 22,135,302 --batch 512 --steps 20 --precision bf16
start=$(date +%s)
$py -m wormgnn.cli benchmark --profile paper --seeds 1 --data "${KATO:-../shared/data/kato2015/WT_NoStim.mat}" \
  --models "$models" --device "$device" --workers "${WORKERS:-4}" --out "$out/paper_$device" --no-report \
  > "$out/paper_$device.log" 2>&1 || true
echo "{\"paper_one_seed_wall_s\": $(( $(date +%s) - start ))}" | tee "$out/paper_wall.json"
