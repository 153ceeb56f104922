"""Whether the input is still the file a build started from.

Build tasks open the input by path (each in its own process), so a file replaced or rewritten
during the build would give a bundle mixing two datasets (X from the new file, obs and DE
groups from the old) that still verifies. The identity is taken from the open handle when the
build starts and compared wherever the file is opened again.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import InputError


def identity_of(root, path: Path) -> tuple[int, int, int]:
    """(inode, size, modification time in ns) of the input as opened: a replaced file has
    another inode, a rewritten one another size or time. Not the device number: the workers of
    a cluster may see one shared file system under other device numbers."""
    try:
        status = os.fstat(root.id.get_vfd_handle())  # h5py: the very file this handle reads
    except Exception:  # a zarr folder (or another HDF5 driver): its path
        status = os.stat(path)
    return (status.st_ino, status.st_size, status.st_mtime_ns)


def check_unchanged(root, path: Path, identity: tuple) -> None:
    """Stop when the input is no longer the file the build started from: build workers open it
    by path, and a replaced or rewritten file would mix two datasets in one bundle."""
    now = identity_of(root, path)
    if tuple(now) != tuple(identity):
        what = "replaced" if now[0] != identity[0] else "rewritten"
        raise InputError(
            f"{path}: the input was {what} during the build (size {identity[1]} → {now[1]} bytes); "
            "a bundle from two versions would be wrong: build again once the file stays as it is"
        )
