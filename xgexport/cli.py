"""The command line: a thin click adapter over build, inspect, verify and serve.

User errors print one line on stderr and exit 1 (usage errors exit 2, as click does);
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .errors import XgError, first_line
from .options import DEFAULT_GZIP_LEVEL
from .version import __version__

EXAMPLE = "example"


def example_path() -> Path:
    from importlib import resources

    return Path(str(resources.files("xgexport.examples") / "pbmc68k_reduced.h5ad"))


class Command(click.Command):
    """Turns XgError (and unexpected errors) into one line on stderr, unless --debug."""

    def invoke(self, ctx):
        try:
            return self._invoke(ctx)
        finally:
            if "zarr.core.sync" in sys.modules:  # only when the command used zarr
                from .store import stop_zarr_io

                stop_zarr_io()

    def _invoke(self, ctx):
        debug = ctx.params.get("debug", False)
        try:
            return super().invoke(ctx)
        except XgError as exc:
            if debug:
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (KeyboardInterrupt, click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except MemoryError:
            if debug:
                raise
            hint = "lower --max-memory or use" if "max_memory" in ctx.params else "use"
            click.echo(f"error: out of memory; {hint} a larger machine", err=True)
            sys.exit(1)
        except Exception as exc:  # a bug or an input we did not foresee: still one line
            if debug:
                raise
            click.echo(
                f"error: unexpected {type(exc).__name__}: {first_line(exc, 300)} (run again with --debug for details "
                "and report it)",
                err=True,
            )
            sys.exit(1)


debug_option = click.option("--debug", is_flag=True, help="Show a traceback on errors.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xgexport")
def main():
    """Turn an .h5ad file into a static single-cell viewer website (no server needed)."""


# One option per line: the table reads as README's option table does.
# fmt: off
@main.command(cls=Command)
@click.argument("input_path", metavar="INPUT")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--title", help="Dataset title shown in the viewer (default: the file name).")
@click.option("--description", default="", help="A sentence about the dataset, shown as text.")
@click.option("--citation", default="", help="How to cite the dataset, shown as text.")
@click.option("--doi", default="", help="The dataset's or paper's DOI (10.xxxx/…), shown as a doi.org link.")
@click.option("--link", "links", multiple=True, metavar="LABEL=URL", help="A link shown with the dataset (repeatable; http(s) only).")
@click.option("--layer", help="Matrix for expression and DE: X, raw, or a layer name (default: raw if present, else X).")
@click.option("--gene-symbols", metavar="COLUMN", help="var column with display names (e.g. feature_name).")
@click.option("--embedding", "embeddings", multiple=True, metavar="KEY", help="obsm key to show (repeatable; default: every 2-D layout).")
@click.option("--embed", type=click.Choice(["pca", "umap"]), help="Compute a layout: PCA of the most variable genes, or UMAP of it (needs umap-learn); for inputs without one.")
@click.option("--obs", "obs", multiple=True, metavar="COLUMN", help="obs column to export (repeatable; default: all usable).")
@click.option("--categorical", multiple=True, metavar="COLUMN", help="Show this (e.g. integer cluster id) column as categories, with DE (repeatable).")
@click.option("--annotations", multiple=True, metavar="CSV", help="Label sets exported by the viewer (or cellxgene's annotation CSV) to add as categorical obs columns, with DE (repeatable).")
@click.option("--no-de", is_flag=True, help="Skip differential expression.")
@click.option("--de-obs", multiple=True, metavar="COLUMN", help="Categorical column for DE (repeatable; default: all).")
@click.option("--de-max-categories", default=200, show_default=True, type=click.IntRange(2), help="Skip DE for columns with more categories.")
@click.option("--de-top-n", default=50, show_default=True, type=click.IntRange(1, 10000), help="Ranked markers stored per category.")
@click.option("--no-compare", is_flag=True, help="Leave out the comparison data (data/compare/): the viewer then compares nothing, and says why.")
@click.option("--de-within", multiple=True, metavar="TYPE:CONDITION", help="Two DE columns whose joint groups get statistics rows: condition A against B within a cell type (repeatable).")
@click.option("--compare-leaf-cells", default=64, show_default=True, type=click.IntRange(1), help="Cells per leaf of the comparison tree (more: fewer files, more bytes per lasso).")
@click.option("--compare-row-cells", default=1024, show_default=True, type=click.IntRange(2), help="Tree nodes with this many cells carry a statistics row.")
@click.option("--no-images", is_flag=True, help="Leave out the tissue images of uns['spatial'] (drawn under spatial spots).")
@click.option("--image-format", type=click.Choice(["png", "webp"]), default="png", show_default=True, help="Tissue images as lossless PNG or lossy WebP (3-6x smaller; needs Pillow: pip install 'xgexport[webp]').")
@click.option("--image-quality", type=click.IntRange(1, 100), metavar="1-100", help="WebP quality of the tissue images (default 90).")
@click.option("--max-categories", default=1000, show_default=True, type=click.IntRange(1), help="Categorical columns with more categories are treated as ids and skipped.")
@click.option("--max-memory", default="2G", show_default=True, help="Memory budget of the build's data: obs/var, per-cell arrays, DE tables, matrix blocks (e.g. 500M, 4G).")
@click.option("--gzip-level", default=DEFAULT_GZIP_LEVEL, show_default=True, type=click.IntRange(1, 9), help="gzip level (zlib-ng's) of every chunk: 1 fastest, 9 smallest.")
@click.option("--jobs", default=0, type=click.IntRange(0, 64), help="Local processes for the matrix pass (default: both cores for big matrices).")
@click.option("--scheduler", metavar="ADDRESS", help="Run the matrix pass on a Dask distributed scheduler (tcp://host:8786).")
@click.option("--overwrite", is_flag=True, help="Replace OUT if it is an existing xgexport bundle.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Print details (skipped columns, block sizes).")
@debug_option
def build(input_path, out, title, description, citation, doi, links, layer, gene_symbols, embeddings, embed, obs, categorical, annotations, no_de, de_obs,
          de_max_categories, de_top_n, no_compare, de_within, compare_leaf_cells, compare_row_cells, no_images, image_format, image_quality, max_categories, max_memory, gzip_level, jobs, scheduler, overwrite,
          quiet, verbose, debug):
    # fmt: on
    """Export INPUT (.h5ad or AnnData .zarr; 'example' for the built-in PBMC dataset) to the folder OUT."""
    from .build import build as run_build
    from .images import ImageEncoding
    from .options import BuildOptions, RunOptions, parse_de_within, parse_link
    from .report import Reporter

    if input_path == EXAMPLE and not Path(EXAMPLE).exists():
        input_path = example_path()
        title = title or "PBMC 68k reduced (scanpy example)"
    options = BuildOptions(
        title=title, description=description, citation=citation, doi=doi, links=tuple(parse_link(text) for text in links),
        layer=layer, gene_symbols=gene_symbols, embeddings=tuple(embeddings), obs=tuple(obs),
        categorical=tuple(categorical), max_categories=max_categories,
        de=not no_de, de_obs=tuple(de_obs), de_max_categories=de_max_categories, de_top_n=de_top_n,
        compare=not no_compare, de_within=tuple(parse_de_within(text) for text in de_within),
        compare_leaf_cells=compare_leaf_cells, compare_row_cells=compare_row_cells,
        annotations=tuple(annotations), embed=embed, images=not no_images,
        image_encoding=ImageEncoding(image_format, image_quality),
    )  # fmt: skip
    run = RunOptions(max_memory=parse_size(max_memory), jobs=jobs, scheduler=scheduler, gzip_level=gzip_level)
    reporter = Reporter(0 if quiet else 2 if verbose else 1)
    run_build(input_path, out, options=options, run=run, overwrite=overwrite, reporter=reporter)
    if not quiet:
        click.echo(f"open it: xgexport serve {out}   (or copy the folder to any static web host)", err=True)


@main.command(cls=Command)
@click.argument("input_path", metavar="INPUT")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--layer")
@click.option("--gene-symbols", metavar="COLUMN")
@click.option("--max-memory", default="2G", show_default=True, help="Memory budget: obs/var larger than this are not read.")
@debug_option
def inspect(input_path, as_json, layer, gene_symbols, max_memory, debug):
    """Show what a build of INPUT would export, and why, without writing anything."""
    from .inspection import inspect_input

    if input_path == EXAMPLE and not Path(EXAMPLE).exists():
        input_path = example_path()
    report = inspect_input(Path(input_path), layer=layer, gene_symbols=gene_symbols, max_memory=parse_size(max_memory))
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
    else:
        from .inspection import format_report

        click.echo(format_report(report))


@main.command(cls=Command)
@click.argument("location", metavar="OUT_OR_URL")
@click.option("--timeout", default=60.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Over HTTP: seconds for each file, from the request to its last byte.")  # fmt: skip
@debug_option
def verify(location, timeout, debug):
    """Check a bundle (folder or http(s) URL) against its manifest."""
    from .verify import verify as run_verify

    problems = run_verify(location, timeout=timeout)
    if problems:
        for line in problems:
            click.echo(line, err=True)
        click.echo(f"error: {len(problems)} problem(s) in {location}", err=True)
        sys.exit(1)
    click.echo(f"ok: {location} matches its manifest")


@main.command(cls=Command)
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@debug_option
def serve(out, port, debug):
    """Preview a bundle on http://127.0.0.1:PORT/ (static files only, like any host)."""
    from .serve import serve_forever

    serve_forever(out, port)


# fmt: off
@main.command(cls=Command)
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("target", required=False, metavar="[s3://BUCKET/PREFIX]")
@click.option("--gh-pages", "gh_pages", is_flag=True, help="Commit OUT to a branch of a git repository instead (not pushed).")
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), help="--gh-pages: the repository (default: the current folder).")
@click.option("--branch", default="gh-pages", show_default=True, help="--gh-pages: the branch to commit to.")
@click.option("--message", help="--gh-pages: the commit message.")
@click.option("--prefix", metavar="SUBDIR", help="--gh-pages: replace only this folder of the branch (several datasets in one site).")
@click.option("--endpoint-url", help="S3: an S3-compatible store (MinIO, Ceph, R2, …), e.g. https://s3.example.org.")
@click.option("--region", help="S3: the bucket's region (default: from your AWS configuration).")
@click.option("--profile", help="S3: a named AWS profile.")
@click.option("--dry-run", is_flag=True, help="List what would be uploaded, deleted or committed; change nothing.")
@click.option("--delete", is_flag=True, help="S3: delete objects under the prefix that the bundle no longer has.")
@click.option("--force", is_flag=True, help="S3: upload every file, even unchanged ones (e.g. to apply new headers).")
@click.option("--jobs", default=8, show_default=True, type=click.IntRange(1, 64), help="S3: parallel uploads.")
@click.option("--data-max-age", default=86400, show_default=True, type=click.IntRange(0), help="S3: Cache-Control max-age (seconds) of data chunks; 0 means revalidate.")
@click.option("--acl", help="S3: a canned ACL such as public-read (only for buckets with ACLs enabled).")
@debug_option
def publish(out, target, gh_pages, repo, branch, message, prefix, endpoint_url, region, profile, dry_run,
            delete, force, jobs, data_max_age, acl, debug):
    # fmt: on
    """Publish the bundle (or collection) OUT to s3://BUCKET/PREFIX, or with --gh-pages to a git branch."""
    if gh_pages == bool(target):
        raise click.UsageError("give either an s3://BUCKET/PREFIX target or --gh-pages")
    s3_only = {"--endpoint-url": endpoint_url, "--region": region, "--profile": profile,
               "--delete": delete, "--force": force, "--acl": acl}  # fmt: skip
    pages_only = {"--repo": repo, "--message": message, "--prefix": prefix is not None, "--branch": branch != "gh-pages"}
    misplaced = [name for name, value in (s3_only if gh_pages else pages_only).items() if value]
    if misplaced:
        raise click.UsageError(f"{', '.join(misplaced)} apply only to {'S3' if gh_pages else '--gh-pages'}")
    if gh_pages:
        from .publish.ghpages import publish_ghpages

        report_ghpages(publish_ghpages(out, repo=repo, branch=branch, message=message, prefix=prefix, dry_run=dry_run), out)
        return
    from .publish.s3 import publish_s3

    result = publish_s3(
        out, target, endpoint_url=endpoint_url, region=region, profile=profile, dry_run=dry_run,
        delete=delete, force=force, jobs=jobs, data_max_age=data_max_age, acl=acl,
    )  # fmt: skip
    if not dry_run:
        click.echo(
            f"published: {len(result.uploaded)} uploaded, {result.unchanged} unchanged, "
            f"{len(result.deleted)} deleted at {target}",
            err=True,
        )


def report_ghpages(result, out) -> None:
    if result.unlisted:
        shown = ", ".join(result.unlisted[:3]) + (", …" if len(result.unlisted) > 3 else "")
        click.echo(f"note: {len(result.unlisted)} file(s) in {out} belong to no bundle and are not published ({shown})", err=True)
    where = f" in {result.prefix}/" if result.prefix else ""
    if result.dry_run:
        for action, paths in (("add", result.added), ("change", result.changed), ("remove", result.removed)):
            for path in paths:
                click.echo(f"{action}  {path}")
        click.echo(
            f"dry run: {len(result.added)} file(s) would be added, {len(result.changed)} changed, "
            f"{len(result.removed)} removed on {result.branch}; nothing was written",
            err=True,
        )
    elif result.commit is None:
        click.echo(f"{result.branch}: already up to date ({result.files} files{where}); nothing committed", err=True)
    else:  # the count is read back from the commit's tree
        click.echo(f"committed {result.commit[:12]} to {result.branch} ({result.files} files{where})", err=True)
        click.echo(f"publish it: git push origin {result.branch}", err=True)


@main.command(cls=Command)
@click.argument("site", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--title", default="Datasets", show_default=True, help="Heading of the landing page.")
@debug_option
def index(site, title, debug):
    """Write SITE/index.html: a landing page listing every bundle in SITE's subfolders."""
    from .collection import write_index

    result = write_index(site, title=title)
    for folder, why in result.skipped:
        click.echo(f"warning: {folder}: left off the page: {why}", err=True)
    click.echo(f"wrote {result.page} ({len(result.entries)} datasets)", err=True)


def parse_size(text: str) -> int:
    units = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = value[-1] if value and value[-1] in units else ""
    number = value[: len(value) - len(unit)]
    try:
        size = int(float(number) * units[unit])
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a size like 500M or 4G", param_hint="--max-memory") from None
    if size < 64 * 1024**2:
        raise click.BadParameter("at least 64M", param_hint="--max-memory")
    return size


if __name__ == "__main__":
    main()
