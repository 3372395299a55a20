#!/usr/bin/env python3
"""oneDNN's own per-primitive timings of two runs of the same benchmark work, e.g. ours against PyTorch's reference.

    ONEDNN_VERBOSE=1 ./cdiff bench train --model M --batch 2 --resolution 256 --steps 4 --warmup 2 > ours.txt 2>&1
    ONEDNN_VERBOSE=1 $PY ../shared/perf/train_reference.py M --batch 2 --resolution 256 --steps 4 --warmup 2 \
        --threads 2 > reference.txt 2>&1
    tools/compare_onednn.py ours.txt reference.txt --steps 6

The engine's convolutions run in oneDNN on both sides, and oneDNN times each primitive itself, so these figures carry
no profiler's cost and no Java or Python dispatch. Both runs must cover the same steps (warm-up included: oneDNN has no
notion of steps), hence --steps: every figure is milliseconds per step.

Prints per (primitive kind, implementation, propagation, source layout) the calls and time per step on each side, then
the convolution problems with the largest difference, with the implementation and source layout each side chose.
The layout says whether a convolution ran on plain NCHW data through oneDNN's blocked formats ("blocked"), or on
channels-last data ("nhwc", oneDNN's `acdb`), which PyTorch picks by itself when a convolution's input has
channels-last strides. Reads oneDNN 3.x verbose lines, with or without the "v1" marker newer versions print.
"""
import argparse
import collections


def records(path):
    """(kind, implementation, propagation, source layout, problem, ms) for every executed primitive."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            if not line.startswith("onednn_verbose,"):
                continue
            fields = line.rstrip("\n").split(",")
            if len(fields) > 1 and fields[1] == "v1":
                fields = fields[:1] + fields[2:]
            if len(fields) < 12 or fields[1] != "primitive" or fields[2] != "exec":
                continue
            try:
                ms = float(fields[-1])
            except ValueError:
                continue
            kind, impl, prop, mds, problem = fields[4], fields[5], fields[6], fields[7], fields[-2]
            source = mds.split(" ")[0]
            layout = "nhwc" if ":acdb:" in source else "blocked"
            out.append((kind, impl, prop, layout, problem, ms))
    return out


def tally(records_of_side, key):
    """key -> [calls, ms, {"implementation layout", ...}] over one side's records."""
    out = collections.defaultdict(lambda: [0, 0.0, set()])
    for r in records_of_side:
        e = out[key(r)]
        e[0] += 1
        e[1] += r[5]
        e[2].add(f"{r[1]} {r[3]}")
    return out


def pair(sides, key):
    """key -> (ours, reference) tallies, with an empty tally where one side has no such record."""
    ours, ref = (tally(side, key) for side in sides)
    empty = [0, 0.0, set()]
    return {k: (ours.get(k, empty), ref.get(k, empty)) for k in set(ours) | set(ref)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ours")
    ap.add_argument("reference")
    ap.add_argument("--steps", type=int, required=True, help="steps each run made, warm-up included")
    ap.add_argument("--top", type=int, default=15, help="convolution problems to list")
    a = ap.parse_args()
    sides = [records(a.ours), records(a.reference)]
    if not sides[0] or not sides[1]:
        raise SystemExit("no oneDNN verbose lines in " + (a.ours if not sides[0] else a.reference)
                         + ": run it with ONEDNN_VERBOSE=1")
    per = a.steps

    totals = [sum(r[5] for r in side) / per for side in sides]
    print(f"oneDNN time per step: ours {totals[0]:,.0f} ms, reference {totals[1]:,.0f} ms, "
          f"difference {totals[0] - totals[1]:+,.0f} ms")

    print(f"\n{'kind / implementation / propagation / layout':<72} {'ours calls':>10} {'ms':>8} "
          f"{'ref calls':>10} {'ms':>8}")
    by_kernel = pair(sides, lambda r: r[:4])
    for k, (o, r) in sorted(by_kernel.items(), key=lambda e: -max(e[1][0][1], e[1][1][1])):
        print(f"{' / '.join(k):<72} {o[0] / per:>10.1f} {o[1] / per:>8.0f} {r[0] / per:>10.1f} {r[1] / per:>8.0f}")

    print("\nconvolution problems by difference (ms per step; calls per step)")
    convs = [[r for r in side if r[0] == "convolution"] for side in sides]
    by_problem = pair(convs, lambda r: (r[2], r[4]))
    rows = sorted(by_problem.items(), key=lambda e: -abs(e[1][0][1] - e[1][1][1]))
    for (prop, problem), (o, r) in rows[:a.top]:
        print(f"{(o[1] - r[1]) / per:+8.0f}  {prop} {problem}")
        print(f"          ours {o[1] / per:7.0f} ms, {o[0] / per:4.1f} calls  {', '.join(sorted(o[2])) or '-'}")
        print(f"          ref  {r[1] / per:7.0f} ms, {r[0] / per:4.1f} calls  {', '.join(sorted(r[2])) or '-'}")

if __name__ == "__main__":
    main()
