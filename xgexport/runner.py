"""Running the matrix pass's tasks: in this process, in a pool of local processes, or on a Dask
distributed cluster (``--scheduler ADDRESS``).

The tasks are plain functions of a picklable job and an index (:mod:`xgexport.expression`);
the runner only schedules them, and results come back in index order in every case, so a
bundle has the same bytes however it was run. Dask workers must see the input file and the
output folder at the same paths (one machine, or a shared filesystem).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from .errors import XgError

# A second local process pays for its start-up (about a second) from this many stored values on.
PARALLEL_FROM_VALUES = 20_000_000

Progress = Callable[[int, int], None]


def local_workers(jobs: int, nnz: int) -> int:
    """Processes for the matrix pass: ``jobs`` (--jobs), or both cores when the matrix is big
    enough for the start-up of a worker to pay."""
    if jobs:
        return jobs
    return min(2, os.cpu_count() or 1) if nnz >= PARALLEL_FROM_VALUES else 1


class TaskRunner:
    """``with TaskRunner(scheduler, workers) as run: run(function, job, indices, progress)``."""

    def __init__(self, scheduler: str | None, workers: int = 1):
        self.scheduler = scheduler
        self.workers = workers
        self.client: Any = None
        self.pool: Any = None

    def __enter__(self) -> Callable[..., list]:
        if self.scheduler:
            self.client = connect(self.scheduler)
        elif self.workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn, not fork: zarr runs an event-loop thread that a forked child would inherit
            self.pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=exit_with_parent,
                initargs=(os.getpid(),),
            )
        return self.run

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def run(self, function: Callable, job: Any, indices: Iterable[int], progress: Progress) -> list:
        indices = list(indices)
        if self.client is not None:
            return run_on_cluster(self.client, function, job, indices, progress)
        if self.pool is not None:
            from concurrent.futures import as_completed

            futures = [self.pool.submit(function, job, index) for index in indices]
            for done, _ in enumerate(as_completed(futures), start=1):
                progress(done, len(futures))
            return [future.result() for future in futures]
        results = []
        for done, index in enumerate(indices, start=1):
            results.append(function(job, index))
            progress(done, len(indices))
        return results


def exit_with_parent(parent: int) -> None:
    """Pool-worker initializer: when the build is killed (SIGKILL leaves no time to shut the
    pool down), its workers exit too instead of lingering and writing into the staging folder."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def connect(address: str) -> Any:
    try:
        from dask.distributed import Client
    except ImportError:
        raise XgError("--scheduler needs Dask: pip install 'xgexport[dask]'") from None
    try:
        return Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise XgError(f"--scheduler {address}: cannot connect to the Dask scheduler ({exc})") from None


def run_on_cluster(client: Any, function: Callable, job: Any, indices: list[int], progress: Progress) -> list:
    """Submit one task per index; results come back in index order."""
    from dask.distributed import as_completed

    job_future = client.scatter(job, broadcast=True, hash=False)  # a hashed key is shared, and released, across calls
    futures = [client.submit(function, job_future, index, pure=False) for index in indices]
    for done, _ in enumerate(as_completed(futures), start=1):
        progress(done, len(futures))
    return client.gather(futures)
