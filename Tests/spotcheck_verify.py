#!/usr/bin/env python3
"""An independent implementation of the spot-check draw of docs/spot-checks.md.

Reads a JSON object on standard input:
  {"seed": "...", "population": "units"|"records", "count": int|null, "ratio": int|null, "minimum": int,
   "objects": [{"key": ..., "unit": ...}, ...], "inspectors": ["id", ...],
   "inspector_units": {"id": "unit code", ...}, "exclusions": [["id", "unit code"], ...]}
and prints {"sample": [keys in drawn order], "inspector_order": [...], "assignments": [[key, inspector], ...]}.
"""
import hashlib
import json
import sys


class Stream:
    def __init__(self, seed):
        self.seed = seed
        self.counter = 0
        self.buffer = b""

    def next64(self):
        while len(self.buffer) < 8:
            block = hashlib.sha256(f"{self.seed}:{self.counter}".encode("utf-8")).digest()
            self.counter += 1
            self.buffer += block
        value = int.from_bytes(self.buffer[:8], "big")
        self.buffer = self.buffer[8:]
        return value

    def uniform(self, n):
        r = (1 << 64) % n
        while True:
            x = self.next64()
            if r == 0 or x < (1 << 64) - r:
                return x % n

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.uniform(i + 1)
            items[i], items[j] = items[j], items[i]


def size(n, count, ratio, minimum):
    k = count if count is not None else (n * (ratio or 0) + 99) // 100
    return min(n, max(k, minimum))


def draw(spec):
    stream = Stream(spec["seed"])
    # Python compares str by code point, as the document says.
    objects = sorted(spec["objects"], key=lambda o: o["key"])
    sample = []
    if spec["population"] == "units":
        items = list(objects)
        stream.shuffle(items)
        sample = items[: size(len(items), spec["count"], spec["ratio"], spec["minimum"])]
    else:
        for unit in sorted({o["unit"] for o in objects}):
            items = [o for o in objects if o["unit"] == unit]
            stream.shuffle(items)
            sample += items[: size(len(items), spec["count"], spec["ratio"], spec["minimum"])]
    order = sorted(spec["inspectors"])
    stream.shuffle(order)
    excluded = {(a, b) for a, b in spec["exclusions"]}
    load = {i: 0 for i in order}
    assignments = []
    for o in sample:
        eligible = [
            i for i in order if spec["inspector_units"].get(i) != o["unit"] and (i, o["unit"]) not in excluded
        ]
        if not eligible:
            raise SystemExit(f"no eligible inspector for {o['key']}")
        best = min(eligible, key=lambda i: (load[i], order.index(i)))
        load[best] += 1
        assignments.append([o["key"], best])
    return {"sample": [o["key"] for o in sample], "inspector_order": order, "assignments": assignments}


if __name__ == "__main__":
    json.dump(draw(json.load(sys.stdin)), sys.stdout)
