#!/usr/bin/env python3
"""Op-by-op comparison of two engine traces of the same benchmark work, e.g. ours against PyTorch's reference.

    ./cdiff bench train --model M --steps 40 --warmup 20 --profile ours.json
    (the reference script with its timed steps inside torch.autograd.profiler.profile(record_shapes=True),
     exported with export_chrome_trace: docs/performance.md, "Op by op")
    tools/compare_traces.py ours.json reference.json --steps 20

Per op name: calls per step and the median duration of one call, on each side, sorted by the largest difference
of calls x median. Medians rather than sums, because one call that a pause of the process lands in (a garbage
collection, a page-fault storm) can hold a sum of hundreds of calls. Durations include an op's children. Standard
library only; reads both the legacy profiler's list of events and the newer profiler's {"traceEvents": [...]}.
"""
import argparse
import collections
import json
import statistics


def op_stats(path, steps):
    with open(path) as f:
        events = json.load(f)
    if isinstance(events, dict):
        events = events.get("traceEvents", [])
    durations = collections.defaultdict(list)
    for e in events:
        if e.get("ph") == "X" and "dur" in e and e.get("cat", "cpu_op") == "cpu_op":
            durations[e["name"]].append(float(e["dur"]))
    return {name: (len(d) / steps, statistics.median(d)) for name, d in durations.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ours")
    ap.add_argument("reference")
    ap.add_argument("--steps", type=int, required=True, help="timed steps in each trace")
    ap.add_argument("--top", type=int, default=40)
    a = ap.parse_args()
    ours, ref = op_stats(a.ours, a.steps), op_stats(a.reference, a.steps)
    none = (0.0, 0.0)

    def cost(stats, name):
        n, med = stats.get(name, none)
        return n * med / 1000

    names = sorted(set(ours) | set(ref), key=lambda n: -abs(cost(ours, n) - cost(ref, n)))
    print(f"| op | calls/step, ours | reference | median us, ours | reference | calls x median ms/step, ours | reference |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n in names[:a.top]:
        o, r = ours.get(n, none), ref.get(n, none)
        print(f"| `{n}` | {o[0]:.1f} | {r[0]:.1f} | {o[1]:.1f} | {r[1]:.1f} | {cost(ours, n):.2f} | {cost(ref, n):.2f} |")
    print(f"\nop calls per step: ours {sum(v[0] for v in ours.values()):.0f}, "
          f"reference {sum(v[0] for v in ref.values()):.0f}")


if __name__ == "__main__":
    main()
