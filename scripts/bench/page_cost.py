#!/usr/bin/env python3
"""How long this machine takes to touch fresh memory: maps N MB (default 256) of anonymous memory,
writes one byte per 4 KiB page, and prints the milliseconds, for huge pages allowed and not.

  python3 scripts/bench/page_cost.py [MB] [REPEATS] [both|huge|small]

The third argument picks the kinds of pages measured (default both: huge pages allowed, then 4 KiB
pages only).

On a VM whose host backs guest memory lazily (or takes free memory back), the first touch of
memory can cost several times what a repeated touch costs, and a schemac run pays it for every
page it touches: docs/performance.md ("The machine") explains why its numbers depend on it.
scripts/bench/run.sh prints the huge-pages line before each size.
"""
import mmap
import sys
import time

PAGE = 4096


def touch(megabytes: int, huge: bool) -> float:
    size = megabytes << 20
    m = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    advice = getattr(mmap, "MADV_HUGEPAGE" if huge else "MADV_NOHUGEPAGE", None)
    if advice is not None:
        m.madvise(advice)
    start = time.perf_counter()
    for offset in range(0, size, PAGE):
        m[offset] = 1
    elapsed = time.perf_counter() - start
    m.close()
    return elapsed * 1000


def main() -> None:
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    kinds = sys.argv[3] if len(sys.argv) > 3 else "both"
    if kinds not in ("both", "huge", "small"):
        sys.exit(f"page_cost.py: unknown kind {kinds!r} (both, huge or small)")
    for huge in {"both": (True, False), "huge": (True,), "small": (False,)}[kinds]:
        times = [touch(megabytes, huge) for _ in range(repeats)]
        print(
            f"touch {megabytes} MB ({'huge pages allowed' if huge else '4 KiB pages'}): "
            + ", ".join(f"{t:.0f}" for t in times)
            + " ms (first, then repeated)"
        )


if __name__ == "__main__":
    main()
