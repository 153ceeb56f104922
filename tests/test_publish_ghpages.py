"""`xgexport publish OUT --gh-pages`: a commit on a branch made with git plumbing, the user's
working tree and index untouched, pushed here to a local bare repository."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from xgexport.cli import main
from xgexport.errors import XgError
from xgexport.publish.ghpages import publish_ghpages


def git(repo, *args, input=None) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, input=input, check=True)
    return done.stdout


@pytest.fixture(scope="module")
def bundle(example_bundle):
    return example_bundle


@pytest.fixture()
def repo(tmp_path):
    """A user's project: one commit on main, a staged change and an untracked file."""
    work = tmp_path / "project"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    git(work, "config", "user.name", "Test User")
    git(work, "config", "user.email", "test@example.org")
    (work / "analysis.py").write_text("print('hello')\n")
    git(work, "add", "analysis.py")
    git(work, "commit", "-q", "-m", "analysis")
    (work / "analysis.py").write_text("print('hello, staged')\n")
    git(work, "add", "analysis.py")
    (work / "notes.txt").write_text("untracked\n")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(work, "remote", "add", "origin", str(remote))
    return work


def tree_files(repo, ref) -> dict[str, str]:
    lines = git(repo, "ls-tree", "-r", ref).splitlines()
    return {line.split("\t", 1)[1]: line.split()[2] for line in lines}


def test_gh_pages_commit_push_and_untouched_worktree(bundle, repo):
    status_before = git(repo, "status", "--porcelain")
    index_before = git(repo, "ls-files", "-s")
    head_before = git(repo, "rev-parse", "HEAD")

    result = CliRunner().invoke(
        main, ["publish", str(bundle), "--gh-pages", "--repo", str(repo), "--message", "Deploy PBMC"]
    )
    assert result.exit_code == 0, result.output
    assert "git push origin gh-pages" in result.output

    # the working tree, the index and the checked-out branch are as they were
    assert git(repo, "status", "--porcelain") == status_before
    assert git(repo, "ls-files", "-s") == index_before
    assert git(repo, "rev-parse", "HEAD") == head_before
    assert git(repo, "symbolic-ref", "HEAD").strip() == "refs/heads/main"

    files = tree_files(repo, "gh-pages")
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert set(files) == set(manifest["files"]) | {"manifest.json"}
    assert ".nojekyll" in files and "index.html" in files
    # blob contents are the bundle's bytes
    assert git(repo, "cat-file", "blob", "gh-pages:manifest.json") == (bundle / "manifest.json").read_text()
    assert git(repo, "log", "-1", "--format=%s", "gh-pages").strip() == "Deploy PBMC"
    assert git(repo, "log", "-1", "--format=%an", "gh-pages").strip() == "Test User"

    # push to the bare remote and check the tree there
    git(repo, "push", "-q", "origin", "gh-pages")
    remote = repo.parent / "remote.git"
    assert tree_files(remote, "gh-pages") == files
    modes = {line.split()[0] for line in git(remote, "ls-tree", "-r", "gh-pages").splitlines()}
    assert modes == {"100644"}

    # a fresh clone (as in CI) has only origin/gh-pages: the next commit goes on top of it
    clone = repo.parent / "ci-clone"
    git(repo.parent, "clone", "-q", str(remote), str(clone))
    assert git(clone, "branch", "--list", "gh-pages").strip() == ""
    onto = publish_ghpages(bundle, repo=clone, prefix="second")
    assert git(clone, "rev-parse", "gh-pages^").strip() == git(remote, "rev-parse", "gh-pages").strip()
    git(clone, "push", "-q", "origin", "gh-pages")  # a fast-forward
    assert git(remote, "rev-parse", "gh-pages").strip() == onto.commit

    # publishing the same bundle again commits nothing
    again = publish_ghpages(bundle, repo=repo)
    assert again.commit is None
    assert git(repo, "rev-list", "--count", "gh-pages").strip() == "1"


def test_gh_pages_prefix_keeps_other_datasets(bundle, repo, tmp_path):
    # an existing Pages branch with a hand-written page and an old file in the dataset's folder
    other = tmp_path / "other-clone"
    git(tmp_path, "clone", "-q", str(repo), str(other))
    git(other, "checkout", "-q", "--orphan", "gh-pages")
    git(other, "rm", "-rq", "--cached", ".")
    (other / "about.html").write_text("<p>lab</p>\n")
    (other / "datasets" / "pbmc").mkdir(parents=True)
    (other / "datasets" / "pbmc" / "stale.txt").write_text("old\n")
    git(other, "add", "about.html", "datasets/pbmc/stale.txt")
    git(other, "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-q", "-m", "lab site")
    git(other, "push", "-q", str(repo), "gh-pages:gh-pages")
    base = git(repo, "rev-parse", "gh-pages").strip()

    # a dry run lists the changes and writes nothing: no ref moves, no object is stored
    dry = CliRunner().invoke(main, ["publish", str(bundle), "--gh-pages", "--repo", str(repo),
                                    "--prefix", "datasets/pbmc", "--dry-run"])  # fmt: skip
    assert dry.exit_code == 0, dry.output
    assert "remove  datasets/pbmc/stale.txt" in dry.output
    assert "add  datasets/pbmc/index.html" in dry.output and "add  .nojekyll" in dry.output
    assert "about.html" not in dry.output  # kept as it is
    assert "nothing was written" in dry.output
    assert git(repo, "rev-parse", "gh-pages").strip() == base
    page_blob = git(repo, "hash-object", str(bundle / "index.html")).strip()
    assert subprocess.run(["git", "-C", str(repo), "cat-file", "-e", page_blob]).returncode != 0

    first = publish_ghpages(bundle, repo=repo, prefix="datasets/pbmc")
    plan = publish_ghpages(bundle, repo=repo, prefix="datasets/pbmc", dry_run=True)
    assert plan.dry_run and plan.added == plan.changed == plan.removed == ()  # up to date
    second = publish_ghpages(bundle, repo=repo, prefix="/datasets/other/", message="second dataset")
    assert first.commit and second.commit
    assert git(repo, "rev-parse", "gh-pages^").strip() == first.commit
    assert git(repo, "rev-parse", "gh-pages^^").strip() == base
    files = tree_files(repo, "gh-pages")
    assert "about.html" in files  # the rest of the branch is kept
    assert "datasets/pbmc/stale.txt" not in files  # the dataset's folder is replaced
    assert "datasets/pbmc/index.html" in files and "datasets/other/index.html" in files
    assert ".nojekyll" in files  # at the root, where GitHub Pages looks for it
    assert publish_ghpages(bundle, repo=repo, prefix="datasets/pbmc").commit is None  # unchanged


def test_gh_pages_errors(bundle, repo, tmp_path):
    not_repo = tmp_path / "plain"
    not_repo.mkdir()
    result = CliRunner().invoke(main, ["publish", str(bundle), "--gh-pages", "--repo", str(not_repo)])
    assert result.exit_code == 1 and "not a git repository" in result.output
    git(repo, "checkout", "-q", "-b", "gh-pages")
    with pytest.raises(XgError, match="checked out"):
        publish_ghpages(bundle, repo=repo)
    with pytest.raises(XgError, match="--prefix"):
        publish_ghpages(bundle, repo=repo, branch="pages", prefix="../escape")


def test_gh_pages_collection_with_relative_paths(bundle, repo, tmp_path, monkeypatch):
    from xgexport.collection import write_index

    site = tmp_path / "site"
    shutil.copytree(bundle, site / "pbmc")
    (site / ".pbmc.xgexport-tmp-1").mkdir()  # a build's staging folder is not published
    (site / ".pbmc.xgexport-tmp-1" / "junk").write_text("x")
    write_index(site)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["publish", "site", "--gh-pages", "--repo", "project"])
    assert result.exit_code == 0, result.output
    files = tree_files(repo, "gh-pages")
    assert {"index.html", ".nojekyll", "pbmc/index.html", "pbmc/manifest.json"} <= set(files)
    assert any(name.startswith("_index/") and name.endswith(".png") for name in files)
    assert not any(".xgexport-tmp-" in name for name in files)


@pytest.fixture()
def lab_site_branch(bundle, repo):
    """A gh-pages branch that already holds two datasets in folders."""
    publish_ghpages(bundle, repo=repo, prefix="datasets/pbmc")
    publish_ghpages(bundle, repo=repo, prefix="datasets/other")
    return git(repo, "rev-parse", "gh-pages").strip()


@pytest.mark.parametrize("prefix", ["", "/", " ", " / "])
def test_a_blank_prefix_is_refused_not_read_as_the_whole_branch(bundle, repo, lab_site_branch, prefix):
    """`--prefix "$DATASET"` with DATASET unset in CI replaced the branch and dropped the others."""
    result = CliRunner().invoke(main, ["publish", str(bundle), "--gh-pages", "--repo", str(repo), "--prefix", prefix])
    assert result.exit_code == 1, result.output
    assert "is blank" in result.output and len(result.output.strip().splitlines()) == 1, result.output
    assert git(repo, "rev-parse", "gh-pages").strip() == lab_site_branch
    files = tree_files(repo, "gh-pages")
    assert "datasets/pbmc/index.html" in files and "datasets/other/index.html" in files


@pytest.mark.parametrize("prefix", [".GIT", "site/.Git/pbmc", ".git.", "datasets/GIT~1", "a//b"])
def test_a_prefix_git_would_drop_is_refused(bundle, repo, lab_site_branch, prefix):
    """git refuses .git in any case and drops such paths: the command printed "committed …
    (103 files)" for a commit without them."""
    result = CliRunner().invoke(main, ["publish", str(bundle), "--gh-pages", "--repo", str(repo), "--prefix", prefix])
    assert result.exit_code == 1 and "--prefix" in result.output, result.output
    assert git(repo, "rev-parse", "gh-pages").strip() == lab_site_branch


def test_the_reported_count_is_what_the_commit_holds(bundle, repo, lab_site_branch):
    result = CliRunner().invoke(
        main, ["publish", str(bundle), "--gh-pages", "--repo", str(repo), "--prefix", "new/pbmc"]
    )
    assert result.exit_code == 0, result.output
    held = [path for path in tree_files(repo, "gh-pages") if path.startswith("new/pbmc/")]
    assert f"({len(held)} files in new/pbmc/)" in result.output, result.output
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert len(held) == len(manifest["files"]) + 1


def test_a_tree_missing_a_file_is_not_committed(bundle, repo):
    """The check behind the count: a path git left out of the tree stops the publish."""
    from xgexport.publish.ghpages import GitError, _check_tree, _Git

    runner = _Git(repo)
    blob = git(repo, "hash-object", "-w", "--stdin", input="x\n").strip()
    tree = git(repo, "mktree", input=f"100644 blob {blob}\tkept.txt\n").strip()
    assert _check_tree(runner, tree, {"kept.txt": blob}, None) == 1
    with pytest.raises(GitError, match=r"left 1 of 2 file\(s\) out of the commit"):
        _check_tree(runner, tree, {"kept.txt": blob, ".GIT/config": blob}, None)
