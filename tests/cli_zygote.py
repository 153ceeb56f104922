"""A command line started once for the tests (``helpers.run_cli``): this process imports
xgexport and its heavy dependencies, then forks one child per command. Each command still runs
as a process of its own (its exit code, stdout, stderr, working folder and environment, its
build's worker processes in its own process group) but does not pay the interpreter's start-up
and the imports: ~0.5 s of CPU per command, and a run has ~250 of them.

Protocol, one JSON line each way: the request {"args", "cwd", "env", "stdout", "stderr"} (the
two files receive the command's output); the answers {"pid": …} at once, then {"rc": …}.
"""

from __future__ import annotations

import json
import os
import sys
import traceback


def serve() -> None:
    # the heavy imports, once: numpy, scipy, zarr, anndata
    import xgexport.build
    import xgexport.cli
    import xgexport.inspection
    import xgexport.verify

    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            run(xgexport.cli.main, request)
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"rc": os.waitstatus_to_exitcode(status)}), flush=True)


def run(main, request: dict) -> None:
    """In the child: the command as `python -m xgexport.cli ARGS` would run it; never returns."""
    code = 1
    try:
        os.setpgid(0, 0)  # a timeout kills the command and its workers together
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(target, fd)
            os.close(target)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # a PYTHONPATH of the command's own comes first, as it would for a new interpreter
        own = [p for p in request["env"].get("PYTHONPATH", "").split(os.pathsep) if p and p not in sys.path]
        sys.path[:0] = own
        sys.argv = ["xgexport", *request["args"]]
        main(args=request["args"], prog_name="python -m xgexport.cli")
        code = 0
    except SystemExit as exit_:
        if exit_.code is None or isinstance(exit_.code, int):
            code = exit_.code or 0
        else:  # sys.exit("message"), as the interpreter does
            print(exit_.code, file=sys.stderr)
    except BaseException:  # the interpreter's own report of an uncaught exception
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":  # not when a build's worker process (spawn) imports this file
    serve()
