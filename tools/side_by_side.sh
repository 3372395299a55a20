#!/usr/bin/env bash
# Interleaved side-by-side pairs of this project's benches and the PyTorch baselines in ../shared/perf (its README
# says how to set them up): for each repetition, warm-up (1 and 20 steps), model (toy-base, tiny-sd) and work (train,
# sample), ours then PyTorch's, with the same steps, warm-up and thread count. Prints one line per pair, then the
# median ratio per line. Ratios, not times: on small shared VMs single pairs swing by tens of per cent.
#
#   tools/side_by_side.sh [REPS]      env: PY (PyTorch 2 interpreter), PERF (baselines folder), THREADS, STEPS
#
# The baselines need the diffusers source (DIFFUSERS_GIT or DIFFUSERS_SRC, see ../shared/perf/README.md). The
# allocator setting (glibc's, and libtorch's huge pages) is exported for both sides, as that README asks ("both or
# neither"), and the statistic is the same on both: ours is the mean of the timed steps (`ms_per_step=`), so theirs
# is `mean_ms=`, not the median on their last line.
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-2}
py=${PY:-$HOME/.cache/cdiff-perf-torch2/bin/python}
perf=${PERF:-../shared/perf}
threads=${THREADS:-2}
timed=${STEPS:-30}
export MALLOC_ARENA_MAX=1 MALLOC_MMAP_THRESHOLD_=2147483647 MALLOC_TRIM_THRESHOLD_=4294967296
# libtorch's huge pages (the launcher's default), for PyTorch too: its c10 reads the same variable
export THP_MEM_ALLOC_ENABLE=${THP_MEM_ALLOC_ENABLE:-1}
export OMP_NUM_THREADS=$threads MKL_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads
models=(models/toy-base services/diffusion/src/test/golden/models/tiny-sd)
field() { grep -o "$1[0-9.]*" | head -1 | sed "s/$1//"; }
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for rep in $(seq 1 "$reps"); do
  for warmup in 1 20; do
    steps=$((warmup + timed))
    for model in "${models[@]}"; do
      for work in train sample; do
        if [ "$work" = train ]; then
          args=(--batch 2); ref="$perf/train_reference.py"
        else
          args=(--batch 1 --guidance 7.5); ref="$perf/sample_reference.py"
        fi
        ours=$(CDIFF_THREADS=$threads ./cdiff bench "$work" --model "$model" "${args[@]}" --steps "$steps" \
          --warmup "$warmup" 2>/dev/null | field "ms_per_step=")
        theirs=$("$py" "$ref" "$model" "${args[@]}" --steps "$steps" --warmup "$warmup" --threads "$threads" \
          2>/dev/null | field "mean_ms=")
        line="$work $(basename "$model") warmup=$warmup ours=$ours pytorch=$theirs"
        echo "$line"
        echo "$line" >> "$results"
      done
    done
  done
done
python3 - "$results" <<'PY'
import statistics, sys, collections
pairs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    work, model, warmup, ours, theirs = line.split()
    pairs[(work, model, warmup)].append(float(ours.split("=")[1]) / float(theirs.split("=")[1]))
for key, ratios in sorted(pairs.items()):
    print(" ".join(key), "ratios", ", ".join(f"{r:.2f}" for r in sorted(ratios)),
          "median", f"{statistics.median(ratios):.2f}")
PY
