"""Running a student's code so that the grader never crashes and never hangs: ``call_student``.

Every call of a student's function, method or class goes through ``call_student``: an exception
becomes an ``Outcome`` with the student's own line quoted, a call that runs longer than
``timeout`` seconds is interrupted, and NumPy's warnings about the student's 0/0 or overflow are
silenced (the NaN it produces is reported by the comparison, with a hint).

The timeout interrupts the call with ``SIGALRM`` where the grader runs in the main thread of a
Unix process (a Jupyter kernel, pytest, nbgrader's autograde); elsewhere the call runs in a
worker thread that is abandoned after ``timeout`` seconds.
"""
from __future__ import annotations

import signal
import threading
import warnings
from dataclasses import dataclass

import numpy as np

from .report import _error_text

__all__ = ["call_student", "Outcome", "StudentTimeout"]


class StudentTimeout(Exception):
    """A student's call ran longer than the grader's timeout."""


@dataclass
class Outcome:
    """What a student's call gave: its ``value``, or ``error`` (the text a check shows)."""
    value: object = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def call_student(fn, *args, timeout=10.0, what=None, **kwargs) -> Outcome:
    """``fn(*args, **kwargs)`` as an ``Outcome``: never raises, never runs past ``timeout`` seconds.

    ``what`` names the call in the error text (``"softmax_cross_entropy raised ..."``).
    """
    what = what or getattr(fn, "__name__", type(fn).__name__)
    if not callable(fn):
        return Outcome(error=f"{what} is a {type(fn).__name__}, not a function")

    def run():
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)

    try:
        return Outcome(value=_with_timeout(run, timeout))
    except StudentTimeout:
        return Outcome(error=f"{what} did not return within {timeout:g} s (an endless loop? a loop "
                             "over every sample and every weight?)")
    except Exception as exc:   # noqa: BLE001 -- a student's error is a failed check
        return Outcome(error=f"{what} raised {_error_text(exc)}")


def _with_timeout(run, timeout):
    if timeout is None:
        return run()
    if hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread():
        return _with_alarm(run, timeout)
    return _with_thread(run, timeout)


def _with_alarm(run, timeout):
    def interrupt(signum, frame):
        raise StudentTimeout
    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return run()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _with_thread(run, timeout):
    result: dict = {}

    def target():
        try:
            result["value"] = run()
        except BaseException as exc:   # noqa: BLE001 -- handed back to the caller's thread
            result["error"] = exc
    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise StudentTimeout
    if "error" in result:
        raise result["error"]
    return result.get("value")
