"""Notebook memory: each notebook's kernel peak resident memory, against what a Binder session allows.

mybinder.org gives a session about 2 GB and kills the kernel above it; the course's target is a peak of
at most 1.5 GB per notebook. Each notebook runs top to bottom in a fresh kernel (nbclient, from the
notebooks/ folder as nbval runs it); the peak is the kernel process's own high-water mark
(Linux's `VmHWM`, read by a cell appended at the end; elsewhere `ru_maxrss`, which on Linux also counts the
memory of whatever process started the kernel, a large pytest for one) where the OS has it, and
otherwise the largest resident size seen by polling the kernel process (and its children) with psutil
every 20 ms. Both are reported where both exist.

    python benchmarks/notebook_memory.py                  # every notebook; writes the README table
    python benchmarks/notebook_memory.py 01 02 09         # only notebooks whose names start so
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient
from report import ROOT, publish

TARGET_MB = 1536  # 1.5 GB: a quarter below Binder's ~2 GB limit
POLL_S = 0.02
MARK = "PEAK_RSS_KB"
PEAK_CELL = (
    "try:  # Linux: this process's own high-water mark (ru_maxrss carries the parent's over fork and exec)\n"
    "    with open('/proc/self/status') as status:\n"
    f"        print('{MARK}', next(int(line.split()[1]) for line in status if line.startswith('VmHWM:')))\n"
    "except OSError:\n"
    "    try:\n"
    "        import resource\n"
    f"        print('{MARK}', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    "    except ImportError:  # Windows: the polled peak is the measurement\n"
    "        pass"
)


class _Poller(threading.Thread):
    """Poll a process tree's resident memory; keep the largest total seen, in bytes."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process, self.peak, self.done = psutil.Process(pid), 0, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:  # the kernel or a child ended between the listing and the read
                pass
            time.sleep(POLL_S)


def measure(path: Path, timeout: int = 600) -> dict[str, float]:
    """Run the notebook at `path` in a fresh kernel; its peak resident memory (MB) and wall time (s)."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK_CELL))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    with client.setup_kernel():
        poller = _Poller(client.km.provisioner.pid)
        poller.start()
        try:
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
        finally:
            poller.done.set()
            poller.join()
    seconds = time.perf_counter() - start
    text = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []) if o.get("name") == "stdout")
    # VmHWM and Linux's ru_maxrss are KiB; macOS's ru_maxrss is bytes
    kib = next((int(line.split()[1]) for line in text.splitlines() if line.startswith(MARK)), 0)
    maxrss_mb = kib / 1024 / (1024 if sys.platform == "darwin" else 1)
    return {"maxrss_mb": maxrss_mb, "polled_mb": poller.peak / 2**20, "seconds": seconds}


def table(results: dict[str, dict[str, float]]) -> str:
    """The README block: one row per notebook, and which exceed the target."""
    lines = [f"| notebook | kernel peak (MB) | polled peak (MB) | ≤ {TARGET_MB / 1024:.1f} GB |",
             "|---|---:|---:|:---:|"]
    for name, r in results.items():
        peak = max(r["maxrss_mb"], r["polled_mb"])
        lines.append(f"| {name} | {r['maxrss_mb']:,.0f} | {r['polled_mb']:,.0f} | "
                     f"{'yes' if peak <= TARGET_MB else '**no**'} |")
    over = [n for n, r in results.items() if max(r["maxrss_mb"], r["polled_mb"]) > TARGET_MB]
    lines += ["", "Kernel peak: the kernel's own high-water mark (`VmHWM`, or `ru_maxrss` off Linux); "
              "polled: the largest resident size "
              "of the kernel and its children seen every 20 ms. "
              + (f"Over the {TARGET_MB / 1024:.1f} GB target: {', '.join(over)}." if over
                 else f"Every notebook measured peaks within {TARGET_MB / 1024:.1f} GB.")]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="only notebooks whose file names start with one of these")
    parser.add_argument("--no-publish", action="store_true", help="print the table only; leave README.md alone")
    parser.add_argument("--threads", type=int, help="the kernels' thread count (OMP_NUM_THREADS; on a shared "
                        "machine 1 keeps them from waiting on each other: memory barely depends on it)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds one cell may take (default 600)")
    args = parser.parse_args(argv)
    if args.threads:
        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(args.threads)  # the kernels inherit it
    notebooks = [p for p in sorted((ROOT / "notebooks").glob("*.ipynb"))
                 if not args.prefixes or p.name.startswith(tuple(args.prefixes))]
    if not notebooks:
        raise SystemExit(f"no notebook in notebooks/ starts with {args.prefixes}")
    results = {}
    for path in notebooks:
        results[path.name] = measure(path, args.timeout)
        r = results[path.name]
        print(f"{path.name}: {r['maxrss_mb']:,.0f} MB (polled {r['polled_mb']:,.0f} MB) in {r['seconds']:.0f} s",
              flush=True)
    command = "python benchmarks/notebook_memory.py" + "".join(f" {p}" for p in args.prefixes)
    if args.no_publish:
        print(table(results))
    else:
        publish("notebook_memory", table(results), command)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
