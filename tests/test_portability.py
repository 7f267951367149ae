"""The stored notebook outputs are the same on another CPU: nbval under other BLAS kernels.

NumPy's bundled OpenBLAS picks its kernels for the CPU it finds, and the last bits of a float
product depend on the kernel and on how the work is split between threads. A notebook that
prints noise (a finite-difference error to three digits, a float32 training run that ends near
a cliff) passes on the machine that executed it and fails on a student's laptop.

This test is that laptop: it re-runs every notebook with nbval, exactly as the main test command
does, in a child process whose OpenBLAS is forced onto other kernels (``OPENBLAS_CORETYPE``)
and, separately, onto one thread (``OPENBLAS_NUM_THREADS=1``). Before each run it asks
threadpoolctl which kernel the child really uses, so a variable that OpenBLAS ignored cannot
pass for a check. Where NumPy does not use OpenBLAS (macOS Accelerate, MKL builds), the
variables mean nothing and the test says so and skips.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NBVAL_ARGS = ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", "notebooks/sanitize.cfg",
              "--nbval-cell-timeout", "120"]

# Core types that a build of OpenBLAS for this architecture can run everywhere: the oldest ones.
CORE_TYPES = {
    "x86_64": ["Sandybridge", "Prescott"],
    "AMD64": ["Sandybridge", "Prescott"],
    "aarch64": ["ARMV8", "CORTEXA57"],
    "arm64": ["ARMV8", "CORTEXA57"],
}

PROBE = ("import json, numpy, threadpoolctl; "
         "print(json.dumps([i for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas']))")


def blas_in_child(extra_env: dict) -> dict | None:
    """The BLAS library a child process with ``extra_env`` loads: threadpoolctl's description."""
    pytest.importorskip("threadpoolctl", reason="threadpoolctl is not installed (pip install -e '.[dev]')")
    env = {**os.environ, **extra_env}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True,
                         check=True).stdout
    libraries = json.loads(out)
    return libraries[0] if libraries else None


def variants() -> list:
    types = CORE_TYPES.get(platform.machine(), [])
    cases = [pytest.param({"OPENBLAS_CORETYPE": t}, id=f"OPENBLAS_CORETYPE={t}") for t in types]
    cases.append(pytest.param({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
                              id="OPENBLAS_NUM_THREADS=1"))
    return cases


def check_the_variable_took_effect(extra_env: dict) -> dict:
    here = blas_in_child({})
    there = blas_in_child(extra_env)
    if there is None or there.get("internal_api") != "openblas":
        what = "no BLAS" if there is None else f"{there.get('internal_api')} ({there.get('filepath')})"
        pytest.skip(f"NumPy here uses {what}, not OpenBLAS: {extra_env} has no effect")
    if "OPENBLAS_CORETYPE" in extra_env:
        wanted = extra_env["OPENBLAS_CORETYPE"]
        if there.get("architecture") == here.get("architecture") and wanted.lower() != str(
                here.get("architecture")).lower():
            pytest.skip(f"OpenBLAS ignored OPENBLAS_CORETYPE={wanted} (it still runs its "
                        f"{here.get('architecture')} kernels): a build without dynamic kernels")
    else:
        assert there["num_threads"] == 1, f"OpenBLAS runs {there['num_threads']} threads, not 1"
    return there


@pytest.mark.slow
@pytest.mark.parametrize("extra_env", variants())
def test_notebook_outputs_hold_on_other_blas_kernels(extra_env):
    blas = check_the_variable_took_effect(extra_env)
    pytest.importorskip("nbval", reason="nbval is not installed (pip install -e '.[dev]')")
    workers = ["-n", "2", "--dist", "loadfile"] if _has_xdist() else []
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *workers,
               *NBVAL_ARGS, "notebooks"]
    run = subprocess.run(command, cwd=ROOT, env={**os.environ, **extra_env},
                         capture_output=True, text=True)
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else "(no output)"
    assert run.returncode == 0, (
        f"with {extra_env} (OpenBLAS {blas.get('version')}, {blas.get('architecture')} kernels, "
        f"{blas.get('num_threads')} threads) the stored notebook outputs differ: {summary}\n"
        + _failures(run.stdout))
    assert " passed" in summary, f"nbval ran no notebook cell: {summary}"


def _has_xdist() -> bool:
    try:
        import xdist  # noqa: F401
    except ImportError:
        return False
    return True


def _failures(stdout: str, limit: int = 12000) -> str:
    """The part of nbval's report that shows which cells differ and how."""
    start = stdout.find("= FAILURES =")
    text = stdout[start:] if start >= 0 else stdout
    return text[:limit]
