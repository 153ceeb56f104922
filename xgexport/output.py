"""The output folder: a build writes into a staging folder beside OUT, which replaces OUT only
when the bundle is complete, so OUT is always absent, the previous bundle, or the new one.

What may stand at OUT is checked before anything is read (:func:`check_output`), and again
just before the replace; leftovers of killed builds are cleaned up by the next build of OUT.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError
from .manifest import foreign_files, is_bundle

# Hidden siblings of OUT: .<name>.xgexport-tmp-<pid> (being written), .<name>.xgexport-old-<pid>
# (the previous bundle between the two renames). The pid tells a killed build from a running one.
TMP_TAG = ".xgexport-tmp-"
OLD_TAG = ".xgexport-old-"


def output_path(out: str | os.PathLike) -> Path:
    """OUT as an absolute path without '.' or '..' (which would make stray folders on the way);
    OUT itself is not resolved, so a symlink at OUT is replaced, not its target."""
    out = Path(out).absolute()
    if out.name in ("", ".", ".."):
        return out.resolve()
    return out.parent.resolve() / out.name


@contextmanager
def staged(out: Path, overwrite: bool) -> Iterator[Path]:
    """A fresh staging folder for OUT; when the block completes it replaces OUT (checked again:
    something may have appeared at OUT meanwhile). On any failure it is removed and OUT is left
    as it was; a full disk becomes one clear line."""
    staging = out.parent / f".{out.name}{TMP_TAG}{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    try:
        staging.mkdir(parents=True)
    except OSError as exc:
        raise OutputError(
            f"{out}: cannot create a folder in {out.parent} ({exc.strerror or exc}); choose another output folder"
        ) from None
    try:
        yield staging
        check_output(out, overwrite)
        replace_atomically(staging, out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):  # also from worker processes: errno survives pickling
            raise OutputError(
                f"{out}: no space left on the device of {out.parent} ({exc.strerror}); nothing was changed: "
                "free some space or choose another output folder"
            ) from None
        raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def check_output(out: Path, overwrite: bool) -> None:
    """Refuse anything but a new folder, an empty one, or (with --overwrite) our own bundle;
    never the current folder or one that holds it, nor a symlink that leads nowhere."""
    if out.is_symlink() and not out.exists():
        raise OutputError(
            f"{out}: is a symbolic link to {os.readlink(out)!r}, which does not exist or loops; "
            "remove the link or choose another output path"
        )
    _check_not_working_folder(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is a file; choose a folder path for the bundle")
    if out.is_dir() and any(out.iterdir()):
        _check_replaceable(out, overwrite)
    parent = out.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"{out}: {parent} is a file, not a folder; choose an output path inside a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{out}: cannot write in {parent} (permission denied); choose another output folder")


def _check_not_working_folder(out: Path) -> None:
    try:
        here = Path.cwd()
    except OSError:  # the working folder was deleted: nothing of it to protect
        return
    if out == here or out in here.parents:
        raise OutputError(
            f"{out}: is the current folder{'' if out == here else ' or holds it'}; the build would replace it "
            "under your shell: give a new subfolder (e.g. xgexport build INPUT out) or run it from elsewhere"
        )


def _check_replaceable(out: Path, overwrite: bool) -> None:
    """A non-empty OUT: only our own bundle, only with --overwrite, only if it holds nothing else."""
    if not is_bundle(out):
        raise OutputError(
            f"{out}: folder is not empty and is not an xgexport bundle; refusing to replace it "
            "(choose a new or empty folder)"
        )
    if not overwrite:
        raise OutputError(f"{out}: a bundle is already there; add --overwrite to replace it")
    foreign = foreign_files(out)
    if foreign:
        raise OutputError(
            f"{out}: the bundle folder also holds {len(foreign)} file(s) that are not part of it "
            f"({', '.join(foreign[:3])}{', …' if len(foreign) > 3 else ''}); refusing to delete them "
            "with --overwrite: move them out or choose another folder"
        )


def clean_leftovers(out: Path) -> None:
    """Remove staging folders of earlier builds of ``out`` that were killed.

    A build killed between its two renames left OUT absent and the previous bundle moved
    aside: that bundle is put back in place rather than deleted.
    """
    try:
        siblings = sorted(out.parent.iterdir())
    except OSError:  # no such folder, a file, or not readable: check_output explains
        return
    for tag in (OLD_TAG, TMP_TAG):
        prefix = f".{out.name}{tag}"
        for path in (p for p in siblings if p.name.startswith(prefix)):
            pid = path.name[len(prefix) :]
            if not pid.isdigit() or _alive(int(pid)):
                continue
            if tag == OLD_TAG and not out.exists() and not out.is_symlink() and is_bundle(path):
                os.rename(path, out)
            else:
                _remove(path)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def replace_atomically(staging: Path, out: Path) -> None:
    """Rename the finished bundle into place; an old bundle is moved aside, then deleted."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        old = out.parent / f".{out.name}{OLD_TAG}{os.getpid()}"
        os.rename(out, old)
        os.rename(staging, out)
        _remove(old)
    else:
        os.rename(staging, out)


def _remove(path: Path) -> None:
    """Delete a leftover folder; a symlink (OUT was a link to a bundle) is unlinked, not followed."""
    if path.is_symlink():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)
