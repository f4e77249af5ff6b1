"""Kill this process with SIGKILL right after a chosen call returns: the landing crash tests'
fault injection, on PYTHONPATH only in their `cdp run` subprocesses.

LANDING_TEST_KILL_AFTER=`module:Class.method` or `module:function` (`@n`: after the n-th call)
names the call;
LANDING_TEST_KILL_MARKER names a file written just before the kill, so a test knows the
process died there and not elsewhere.
"""

import importlib
import itertools
import os
import signal


def _kill_after(spec: str, marker: str) -> None:
    target, _, nth = spec.partition("@")
    module_name, _, qualified = target.partition(":")
    class_name, _, method_name = qualified.partition(".")
    module = importlib.import_module(module_name)
    owner, method_name = (getattr(module, class_name), method_name) if method_name else (module, class_name)
    original = getattr(owner, method_name)
    calls = itertools.count(1)

    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        if next(calls) >= int(nth or 1):
            with open(marker, "w") as handle:
                handle.write(spec)
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(owner, method_name, wrapper)


if os.environ.get("LANDING_TEST_KILL_AFTER"):
    _kill_after(os.environ["LANDING_TEST_KILL_AFTER"], os.environ["LANDING_TEST_KILL_MARKER"])
