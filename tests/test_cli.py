"""The command line's own behaviour: serve, inspect on the example, usage errors."""

from __future__ import annotations

import subprocess
import sys
import urllib.request

import pytest

from helpers import DATASETS, ROOT, run_cli


def test_serve_prints_its_url_and_serves_the_bundle_without_range(example_bundle):
    process = subprocess.Popen(
        [sys.executable, "-m", "xgexport.cli", "serve", str(example_bundle), "--port", "0"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = process.stdout.readline()
        assert line.startswith("serving ") and "http://127.0.0.1:" in line
        url = line.split()[3]
        with urllib.request.urlopen(url + "index.html", timeout=10) as response:
            assert b'type="module"' in response.read()
        request = urllib.request.Request(url + "data/zarr.json", headers={"Range": "bytes=0-9"})
        with urllib.request.urlopen(request, timeout=10) as response:
            # a static server like python -m http.server ignores Range: the whole file comes back
            assert response.status == 200 and b'"xgexport"' in response.read()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_served_chunks_are_octet_stream_whatever_mime_tables_say(tmp_path):
    """A chunk key's "suffix" is a number; /etc/mime.types knows some (.123 is Lotus 1-2-3)."""
    from xgexport.serve import start_in_thread

    for name in ("c.123", "c.210", "c.0.0"):
        (tmp_path / name).write_bytes(b"\x1f\x8b")
    server, url = start_in_thread(tmp_path)
    try:
        for name in ("c.123", "c.210", "c.0.0"):
            with urllib.request.urlopen(url + name, timeout=10) as response:
                assert response.headers["Content-Type"] == "application/octet-stream", name
    finally:
        server.shutdown()


def test_usage_errors_exit_2_and_bad_sizes_are_explained(tmp_path):
    result = run_cli("build", "example", tmp_path / "x", "--max-memory", "lots", check=False)
    assert result.returncode == 2 and "--max-memory" in result.stderr and "Traceback" not in result.stderr
    result = run_cli("build", check=False)
    assert result.returncode == 2


def test_help_lists_every_command():
    """Each command on a line of its own in the help's Commands section (the help's other text
    says "server" and "build" too: a word anywhere in it proves nothing)."""
    help_text = run_cli("--help").stdout
    listed = help_text.split("Commands:", 1)[1].splitlines()
    commands = {line.split()[0] for line in listed if line.strip()}
    assert commands == {"build", "inspect", "verify", "serve", "publish", "index"}, help_text


def test_a_command_ends_cleanly_when_zarrs_io_thread_is_still_busy():
    """On a loaded machine zarr's exit hook found its I/O thread still running after 0.2 s and
    closed the running loop: a successful build ended with "Cannot close a running event loop"
    and a traceback. Here the thread is kept busy for 2 s when the command ends."""
    script = (
        "import sys, time\n"
        "from zarr.core import sync\n"
        "sync._get_loop()\n"  # zarr's I/O thread, as any zarr read starts it
        "sync.loop[0].call_soon_threadsafe(time.sleep, 2)\n"
        "from xgexport.cli import main\n"
        "main(['inspect', sys.argv[1]])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(DATASETS / "scanpy_pbmc68k_reduced.h5ad")],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0 and "700 cells" in result.stdout, result.stdout[-500:]
    assert "Traceback" not in result.stderr and "running event loop" not in result.stderr, result.stderr


@pytest.mark.timeout(60)
def test_zarr_still_works_in_the_same_process_after_a_command(tmp_path):
    """The exit fix above stops zarr's I/O thread; a command run in-process (by tests, or a
    notebook) must leave zarr able to start a new one, not a stopped loop that never answers."""
    import zarr
    from click.testing import CliRunner

    from xgexport.cli import main

    zarr.open_group(str(tmp_path / "before"), mode="w")  # zarr's I/O thread is running
    result = CliRunner().invoke(main, ["inspect", str(DATASETS / "scanpy_pbmc68k_reduced.h5ad")])
    assert result.exit_code == 0, result.output
    group = zarr.open_group(str(tmp_path / "after"), mode="w")  # hung forever before the fix
    group.attrs["ok"] = 1
    assert zarr.open_group(str(tmp_path / "after"), mode="r").attrs["ok"] == 1
