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

    tools/compare_traces.py ours.json reference.json --steps 3 --self

--self answers "where does a step's time go" rather than "what does a typical call cost": calls x median misleads
for an op whose calls differ in size (one `bmm` name covers 64 MB attention scores and 40-row products). Per op it
sums self time (an op's duration minus its children's, on its thread), and is robust to pauses another way: a step
runs the same calls in the same order, so the n-th call of an op is the same work in every step, and the per-step
cost is the sum over n of the median over steps of the n-th call. A pause inflates one step's call, not the median;
a stall that recurs at the same call in most steps (fresh memory touched by a traced run) stays in.
Needs at least three timed steps; an op whose call count is not a multiple of the steps is summed plainly (marked *).
"""
import argparse
import collections
import json
import statistics


def events_of(path):
    with open(path) as f:
        events = json.load(f)
    if isinstance(events, dict):
        events = events.get("traceEvents", [])
    return [e for e in events if e.get("ph") == "X" and "dur" in e and e.get("cat", "cpu_op") == "cpu_op"]


def op_stats(path, steps):
    durations = collections.defaultdict(list)
    for e in events_of(path):
        durations[e["name"]].append(float(e["dur"]))
    return {name: (len(d) / steps, statistics.median(d)) for name, d in durations.items()}


def self_costs(path, steps):
    """Per op name: (calls per step, ms per step of self time by per-position medians, whether that was possible)."""
    by_thread = collections.defaultdict(list)
    for e in events_of(path):
        by_thread[e.get("tid")].append(e)
    per_op = collections.defaultdict(list)  # name -> [(start, self us)]

    def close(entry):  # entry: [name, end, self us, start]
        per_op[entry[0]].append((entry[3], entry[2]))

    for thread_events in by_thread.values():
        thread_events.sort(key=lambda e: (float(e["ts"]), -float(e["dur"])))
        stack = []
        for e in thread_events:
            start, dur = float(e["ts"]), float(e["dur"])
            while stack and stack[-1][1] <= start:
                close(stack.pop())
            if stack:
                stack[-1][2] -= dur
            stack.append([e["name"], start + dur, dur, start])
        while stack:
            close(stack.pop())
    out = {}
    for name, calls in per_op.items():
        calls.sort()
        selfs = [c[1] for c in calls]
        if len(selfs) % steps == 0:
            per_step = len(selfs) // steps
            rows = [selfs[k * per_step:(k + 1) * per_step] for k in range(steps)]
            cost = sum(statistics.median(col) for col in zip(*rows))
            out[name] = (per_step, cost / 1000, True)
        else:
            out[name] = (len(selfs) / steps, sum(selfs) / steps / 1000, False)
    return out


def print_self(a):
    ours, ref = self_costs(a.ours, a.steps), self_costs(a.reference, a.steps)
    none = (0, 0.0, True)
    names = sorted(set(ours) | set(ref), key=lambda n: -abs(ours.get(n, none)[1] - ref.get(n, none)[1]))
    print("| op | calls/step, ours | reference | self ms/step, ours | reference | difference |")
    print("| --- | --- | --- | --- | --- | --- |")
    def mark(cost):
        return "" if cost[2] else " *"

    for n in names[:a.top]:
        o, r = ours.get(n, none), ref.get(n, none)
        print(f"| `{n}` | {o[0]:.0f}{mark(o)} | {r[0]:.0f}{mark(r)} | {o[1]:.1f} | {r[1]:.1f} | {o[1] - r[1]:+.1f} |")
    print(f"\nself time per step, all ops: ours {sum(v[1] for v in ours.values()):.0f} ms, "
          f"reference {sum(v[1] for v in ref.values()):.0f} ms")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ours")
    ap.add_argument("reference")
    ap.add_argument("--steps", type=int, required=True, help="timed steps in each trace")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--self", action="store_true", help="self time per step by per-position medians (see above)")
    a = ap.parse_args()
    if a.self:
        if a.steps < 3:
            ap.error("--self needs at least 3 timed steps: a median of two cannot outvote a pause")
        print_self(a)
        return
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
