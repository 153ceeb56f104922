"""``xgexport publish OUT --gh-pages``: commit a bundle to a branch, as ``mkdocs gh-deploy`` does.

Only git plumbing is used, with a temporary index file (``GIT_INDEX_FILE``): the user's
working tree, index and checked-out branch are never touched. The commit goes on top of the
branch (created when missing) and is not pushed: ``git push origin gh-pages`` publishes it.

Without ``prefix`` the branch's tree becomes exactly the bundle. With ``prefix`` only that
subfolder is replaced and the rest of the branch is kept, so several datasets (and the landing
page of ``xgexport index``) can share one Pages site. A ``.nojekyll`` is always at the root:
GitHub Pages looks for it there only.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import XgError
from ..version import GENERATOR
from .site import load_site

DEFAULT_BRANCH = "gh-pages"
FALLBACK_IDENTITY = {
    "GIT_AUTHOR_NAME": "xgexport",
    "GIT_AUTHOR_EMAIL": "xgexport@localhost",
    "GIT_COMMITTER_NAME": "xgexport",
    "GIT_COMMITTER_EMAIL": "xgexport@localhost",
}


class GitError(XgError):
    """git is missing, the folder is not a repository, or a git command failed."""


@dataclass(frozen=True)
class GhPagesResult:
    branch: str
    commit: str | None  # None when nothing changed, and in a dry run
    tree: str | None  # None in a dry run
    files: int
    # what the commit changes on the branch (paths); filled in a dry run
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    dry_run: bool = False
    prefix: str | None = None  # the branch folder replaced (None: the whole branch)
    unlisted: tuple[str, ...] = ()  # files of the collection folder that belong to nothing published


def publish_ghpages(
    out: Path,
    *,
    repo: Path | None = None,
    branch: str = DEFAULT_BRANCH,
    message: str | None = None,
    prefix: str | None = None,
    dry_run: bool = False,
) -> GhPagesResult:
    """Commit the bundle (or collection) ``out`` to ``branch`` of the repository at ``repo``.

    With ``dry_run`` nothing is written to the repository (no objects, no ref): the result
    lists the paths the commit would add, change and remove.
    """
    site = load_site(Path(out))
    repo = Path(repo or Path.cwd())
    prefix = _clean_prefix(prefix)
    _check_branch_name(branch)
    git = _Git(repo)
    git("rev-parse", "--git-dir")  # fails clearly outside a repository
    ref = f"refs/heads/{branch}"
    head = git("symbolic-ref", "-q", "HEAD", check=False).strip()
    if head == ref and git("rev-parse", "--is-bare-repository").strip() != "true":
        raise GitError(
            f"{repo}: branch {branch} is checked out here; switch to another branch first "
            "(xgexport never changes your working tree)"
        )
    local = git("rev-parse", "--verify", "-q", f"{ref}^{{commit}}", check=False).strip() or None
    # A fresh clone (CI) has the published branch only as origin/<branch>: build on top of it,
    # so that the push is a fast-forward.
    parent = (
        local
        or git("rev-parse", "--verify", "-q", f"refs/remotes/origin/{branch}^{{commit}}", check=False).strip()
        or None
    )

    if dry_run:
        return _dry_run(git, site, parent, prefix, branch)
    with tempfile.TemporaryDirectory(prefix="xgexport-index-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        if parent and prefix:
            git("read-tree", parent, env=env)
            old = [p for p in git("ls-files", "-z", env=env).split("\0") if p]
            under = [p for p in old if _is_under(p, prefix)]
            if under:
                git("update-index", "--force-remove", "-z", "--stdin", env=env, input="\0".join(under) + "\0")
        blobs = _blobs(git, site, prefix, write=True)
        lines = [f"100644 {sha}\t{target}" for target, sha in blobs.items()]
        git("update-index", "--add", "--index-info", env=env, input="\n".join(lines) + "\n")
        tree = git("write-tree", env=env).strip()
    files = _check_tree(git, tree, blobs, prefix)

    if parent and git("rev-parse", f"{parent}^{{tree}}").strip() == tree:
        return GhPagesResult(branch, None, tree, files, prefix=prefix, unlisted=site.unlisted)
    text = message or default_message(site.title, prefix)
    args = ["commit-tree", tree, "-m", text] + (["-p", parent] if parent else [])
    commit = git(*args, env=_identity(git), input="").strip()
    git("update-ref", "-m", f"xgexport publish: {text}", ref, commit, local or "0" * len(commit))
    return GhPagesResult(branch, commit, tree, files, prefix=prefix, unlisted=site.unlisted)


def _check_tree(git: _Git, tree: str, blobs: dict[str, str], prefix: str | None) -> int:
    """The files the tree really holds of the site (git silently leaves out paths it refuses);
    stop before committing when any is missing or different."""
    held = {}
    for entry in git("ls-tree", "-r", "-z", tree).split("\0"):
        if entry:
            meta, path = entry.split("\t", 1)
            held[path] = meta.split()[2]
    missing = sorted(path for path, sha in blobs.items() if held.get(path) != sha)
    if missing:
        raise GitError(
            f"git left {len(missing)} of {len(blobs)} file(s) out of the commit (e.g. {missing[0]!r}); "
            "nothing was committed"
        )
    return sum(1 for path in held if prefix is None or _is_under(path, prefix))


def _blobs(git: _Git, site, prefix: str | None, *, write: bool) -> dict[str, str]:
    """Branch path → blob id of every file the commit takes from the site, and of the root
    ``.nojekyll`` with a prefix. Objects are stored in the repository only when ``write``."""
    store = ["-w"] if write else []
    paths = [str(f.path) for f in site.files]
    shas = git("hash-object", *store, "--no-filters", "--stdin-paths", input="\n".join(paths) + "\n").split()
    if len(shas) != len(paths):
        raise GitError(f"git hash-object returned {len(shas)} ids for {len(paths)} files")
    blobs = {(f"{prefix}/{f.rel}" if prefix else f.rel): sha for f, sha in zip(site.files, shas)}
    if prefix:  # GitHub Pages only honours .nojekyll at the root of the site
        blobs[".nojekyll"] = git("hash-object", *store, "--stdin", input="").strip()
    return blobs


def _dry_run(git: _Git, site, parent: str | None, prefix: str | None, branch: str) -> GhPagesResult:
    """What the commit would change, from blob ids alone: nothing is written."""
    old: dict[str, str] = {}
    if parent:
        for entry in git("ls-tree", "-r", "-z", parent).split("\0"):
            if entry:
                meta, path = entry.split("\t", 1)
                old[path] = meta.split()[2]
    kept = {p: sha for p, sha in old.items() if prefix and not _is_under(p, prefix)}
    new = {**kept, **_blobs(git, site, prefix, write=False)}
    return GhPagesResult(
        branch, None, None, len(site.files),
        added=tuple(sorted(p for p in new if p not in old)),
        changed=tuple(sorted(p for p in new if p in old and old[p] != new[p])),
        removed=tuple(sorted(p for p in old if p not in new)),
        dry_run=True, prefix=prefix, unlisted=site.unlisted,
    )  # fmt: skip


def _is_under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def default_message(title: str, prefix: str | None) -> str:
    where = f" in {prefix}/" if prefix else ""
    return f"Deploy {title}{where} with {GENERATOR}"


def _clean_prefix(prefix: str | None) -> str | None:
    """A folder of the branch. Blank is refused, not read as the root: an unset shell variable in
    CI (--prefix "$DATASET") would otherwise replace the whole branch and drop every other dataset."""
    if prefix is None:
        return None
    cleaned = prefix.strip().strip("/").strip()
    if not cleaned:
        raise GitError(
            f"--prefix {prefix!r} is blank; give the folder, e.g. --prefix datasets/pbmc, or leave --prefix out "
            "to replace the whole branch with the bundle"
        )
    parts = cleaned.split("/")
    # git refuses .git in any case (and NTFS aliases such as ".git." or "git~1") and drops such paths
    if (
        any(part in ("", ".", "..") or part.rstrip(". ").lower() in (".git", "git~1") for part in parts)
        or "\\" in cleaned
    ):
        raise GitError(
            f"--prefix {prefix!r}: use a relative folder like datasets/pbmc (no '..', '.git' or empty parts)"
        )
    return "/".join(parts)


def _check_branch_name(branch: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", branch) or branch.startswith(("-", "/")) or ".." in branch:
        raise GitError(f"--branch {branch!r}: not a usable branch name")


def _identity(git: _Git) -> dict:
    """Use the repository's identity; a fresh CI checkout has none, so fall back to xgexport."""
    env = {}
    have_name = git("config", "user.name", check=False).strip()
    have_email = git("config", "user.email", check=False).strip()
    for key, value in FALLBACK_IDENTITY.items():
        if key in os.environ:
            continue
        if ("NAME" in key and not have_name) or ("EMAIL" in key and not have_email):
            env[key] = value
    return env


class _Git:
    def __init__(self, repo: Path):
        if not repo.is_dir():
            raise GitError(f"{repo}: no such folder; --repo must be a git repository")
        self.repo = repo

    def __call__(self, *args: str, env: dict | None = None, input: str | None = None, check: bool = True) -> str:
        full_env = {**os.environ, **(env or {})}
        try:
            done = subprocess.run(
                ["git", "-C", str(self.repo), *args],
                input=input, capture_output=True, text=True, env=full_env, check=False,
            )  # fmt: skip
        except FileNotFoundError:
            raise GitError("git is not installed (needed for --gh-pages)") from None
        if check and done.returncode != 0:
            detail = (done.stderr.strip().splitlines() or ["failed"])[-1]
            if "not a git repository" in done.stderr:
                raise GitError(f"{self.repo}: not a git repository; run it inside one or pass --repo")
            raise GitError(f"git {args[0]} in {self.repo}: {detail}")
        return done.stdout
