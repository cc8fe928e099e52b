#!/usr/bin/env python3
"""hook-times.py DIR WHERE: p50/p99 of the 'prepare begin' calls in DIR/usbpassd.times and DIR/true.times
(lines "OPERATION SUB_OPERATION MICROSECONDS" written by the hook benchmarks' timing wrapper)."""
import math
import sys


def pct(values, p):
    values = sorted(values)
    return values[max(0, min(len(values) - 1, math.ceil(p / 100 * len(values)) - 1))]  # nearest rank


directory, where = sys.argv[1], sys.argv[2]
r = {}
for name in ("usbpassd", "true"):
    us = [int(l.split()[2]) for l in open(f"{directory}/{name}.times") if l.startswith("prepare begin")]
    r[name] = (len(us), pct(us, 50) / 1000, pct(us, 99) / 1000)
(n, a50, a99), (m, b50, b99) = r["usbpassd"], r["true"]
print(f"hook round trip on 'prepare begin' (libvirt runs the hook → usbpassd answered → exit), {where}")
print(f"  usbpassd hook : n={n}  p50 {a50:6.2f} ms  p99 {a99:6.2f} ms")
print(f"  /bin/true hook: n={m}  p50 {b50:6.2f} ms  p99 {b99:6.2f} ms")
print(f"  ratio p50 {a50 / b50:.2f}x, p99 {a99 / b99:.2f}x; overhead p50 {a50 - b50:.2f} ms, p99 {a99 - b99:.2f} ms")
