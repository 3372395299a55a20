#!/usr/bin/env bash
# Interleaved side-by-side pairs of this project's benches and the PyTorch baselines in ../shared/perf (its README
# says how to set them up): for each repetition, warm-up (1 and 20 steps), model (toy-base, tiny-sd) and work (train,
# sample), ours then PyTorch's, with the same steps, warm-up and thread count. Prints one line per pair, then the
# median ratio per line. Ratios, not times: on small shared VMs single pairs swing by tens of per cent.
#
#   tools/side_by_side.sh [REPS]      env: PY (PyTorch 2 interpreter), PERF (baselines folder), THREADS, STEPS,
#                                     ALT_LIBTORCH, SD15, SMALL
#
# ALT_LIBTORCH=DIR also runs ours on that engine folder (tools/build_libtorch_engine.sh) in each pair, right after ours
# on DJL's libtorch, and reports both ratios. SD15=DIR adds, after the small models, a model folder written by
# `./cdiff make-model --shapes sd15`: training at 256 px and sampling at 512 px, 2 warm-up and 6 timed steps.
# SMALL=0 leaves the small models out (more SD-1.5 pairs in the same time).
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
# one pair: ours (and ours on ALT_LIBTORCH), then PyTorch's, on one model, work, warm-up and step count
pair() {
  local work=$1 model=$2 warmup=$3 steps=$4 label=$5; shift 5
  local ref="$perf/${work}_reference.py" ours alt="" theirs line
  local bench=(bench "$work" --model "$model" "$@" --steps "$steps" --warmup "$warmup")
  ours=$(CDIFF_THREADS=$threads ./cdiff "${bench[@]}" 2>/dev/null | field "ms_per_step=")
  if [ -n "${ALT_LIBTORCH:-}" ]; then
    alt=$(CDIFF_LIBTORCH=$ALT_LIBTORCH CDIFF_THREADS=$threads ./cdiff "${bench[@]}" 2>/dev/null | field "ms_per_step=")
  fi
  theirs=$("$py" "$ref" "$model" "$@" --steps "$steps" --warmup "$warmup" --threads "$threads" \
    2>/dev/null | field "mean_ms=")
  line="$work $label warmup=$warmup ours=$ours alt=${alt:--} pytorch=$theirs"
  echo "$line"
  echo "$line" >> "$results"
}
for rep in $(seq 1 "$reps"); do
  [ "${SMALL:-1}" = 0 ] || for warmup in 1 20; do
    for model in "${models[@]}"; do
      pair train "$model" "$warmup" $((warmup + timed)) "$(basename "$model")" --batch 2
      pair sample "$model" "$warmup" $((warmup + timed)) "$(basename "$model")" --batch 1 --guidance 7.5
    done
  done
  if [ -n "${SD15:-}" ]; then
    pair train "$SD15" 2 8 sd15-256px --batch 2 --resolution 256
    pair sample "$SD15" 2 8 sd15-512px --batch 1 --guidance 7.5
  fi
done
python3 - "$results" <<'PY'
import statistics, sys, collections
pairs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    work, model, warmup, ours, alt, theirs = (f.split("=")[-1] for f in line.split())
    pairs[(work, model, warmup)].append((float(ours), None if alt == "-" else float(alt), float(theirs)))
def summary(ratios):
    return ", ".join(f"{r:.2f}" for r in sorted(ratios)) + f" median {statistics.median(ratios):.2f}"
for key, runs in sorted(pairs.items()):
    text = " ".join(key) + " ratios " + summary([o / t for o, _, t in runs])
    if all(a is not None for _, a, _ in runs):
        text += " | on ALT_LIBTORCH " + summary([a / t for _, a, t in runs])
    print(text)
PY
