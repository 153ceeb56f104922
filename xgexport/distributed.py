"""Running the matrix pass on a Dask distributed cluster (``--scheduler ADDRESS``).

The tasks are the same functions the local run calls (:mod:`xgexport.expression`); Dask only
schedules them. Workers must see the input file and the output folder at the same paths
(one machine, or a shared filesystem).
"""

from __future__ import annotations

from .errors import XgError


def connect(address: str):
    try:
        from dask.distributed import Client
    except ImportError:
        raise XgError("--scheduler needs Dask: pip install 'xgexport[dask]'") from None
    try:
        return Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise XgError(f"--scheduler {address}: cannot connect to the Dask scheduler ({exc})") from None


def run_on_cluster(client, function, job, indices, progress) -> list:
    """Submit one task per index; results come back in index order."""
    from dask.distributed import as_completed

    job_future = client.scatter(job, broadcast=True, hash=False)  # a hashed key is shared, and released, across calls
    futures = [client.submit(function, job_future, index, pure=False) for index in indices]
    for done, _ in enumerate(as_completed(futures), start=1):
        progress(done, len(futures))
    return client.gather(futures)
