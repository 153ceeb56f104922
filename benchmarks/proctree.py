"""Run a command and measure its whole process tree: CPU time, wall time, peak RSS.

CPU time is what the issue compares (wall time on this shared 2-core VM is noisy). It is
counted two ways and the larger is kept:

- the kernel's account, getrusage(RUSAGE_CHILDREN) before and after: the child and every
  descendant that was waited for (a pool's workers joined by their parent) - exact, but blind
  to a descendant that nobody waits for;
- the sum, over every process of the tree seen while sampling every 0.1 s, of its last seen
  user + system time (misses at most the last 0.1 s of each, and processes shorter than that).

This process is made a child subreaper first, so orphaned grandchildren are re-parented to it
and reaped here, which brings them back into the kernel's account.
"""

from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import time
from pathlib import Path

import psutil

PR_SET_CHILD_SUBREAPER = 36
SAMPLE_S = 0.1


def become_subreaper() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: orphans are then seen by sampling only


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def reap_orphans(timeout: float) -> None:
    """Wait (up to ``timeout``) for re-parented descendants, so their CPU enters the account."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def sample_tree(root: psutil.Process, last_cpu: dict[int, float]) -> int:
    """RSS of the tree now; updates each process's last seen CPU time."""
    rss = 0
    try:
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    for proc in tree:
        try:
            with proc.oneshot():
                times = proc.cpu_times()
                rss += proc.memory_info().rss
            last_cpu[proc.pid] = times.user + times.system
        except psutil.Error:
            pass
    return rss


def run_measured(command: list[str], log: Path, env: dict | None = None, timeout: float = 1800) -> dict:
    """Run ``command`` (output to ``log``); return cpu_s, wall_s, peak_rss_gb, rc and both CPU accounts."""
    become_subreaper()
    before = children_cpu()
    last_cpu: dict[int, float] = {}
    peak = 0
    with open(log, "wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        root = psutil.Process(process.pid)
        while process.poll() is None:
            peak = max(peak, sample_tree(root, last_cpu))
            if time.perf_counter() - started > timeout:
                process.kill()
            time.sleep(SAMPLE_S)
        wall = time.perf_counter() - started
    reap_orphans(timeout=5.0)
    kernel = children_cpu() - before
    sampled = sum(last_cpu.values())
    return {"cpu_s": round(max(kernel, sampled), 2), "wall_s": round(wall, 2), "peak_rss_gb": round(peak / 1024**3, 3),
            "rc": process.returncode, "cpu_kernel_s": round(kernel, 2), "cpu_sampled_s": round(sampled, 2)}


def folder_bytes(path: Path) -> int:
    """Bytes of the files under ``path`` (file sizes, not blocks)."""
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total
