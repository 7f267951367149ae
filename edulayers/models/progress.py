r"""What ``fit``, ``evaluate`` and ``predict`` print: Keras' ``verbose`` levels.

=========  ===================================================================================
verbose    prints
=========  ===================================================================================
0          nothing
1          a progress bar per epoch (per call of ``evaluate``/``predict``) with the running
           means of the loss and metrics: tqdm's bar when tqdm is installed (the ``notebooks``
           extra), else one Keras-style line at the end, ``4/4 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step -
           loss: 0.1234``
2          one line at the end of each epoch, as Keras: ``4/4 - 0s - 2ms/step - loss: 0.1234``
"auto"     1, as Keras 3 (``True`` and ``False`` are 1 and 0)
=========  ===================================================================================

``fit`` puts ``Epoch 3/10`` before each epoch's line when it runs more than one epoch (tqdm
shows it as the bar's label). Numbers print as Keras prints them: 4 decimals, or 4 significant
digits in scientific notation below 1e-3. The core needs only NumPy: without tqdm nothing is
imported and level 1 prints the closing line.
"""
from __future__ import annotations

import numbers
import time

__all__ = ["VERBOSE_LEVELS", "resolve_verbose", "Progress"]

VERBOSE_LEVELS = (0, 1, 2, "auto")


def resolve_verbose(owner: str, verbose) -> int:
    """``verbose`` as 0, 1 or 2 (``"auto"`` is 1, as Keras 3), or a ValueError naming ``owner``."""
    if isinstance(verbose, str):
        if verbose == "auto":
            return 1
    elif isinstance(verbose, numbers.Integral) and int(verbose) in (0, 1, 2):
        return int(verbose)                 # True and False too, as Keras takes them
    raise ValueError(f"{owner}: verbose must be 0 (silent), 1 (a progress bar), 2 (one line per "
                     f"epoch) or 'auto' (1), got {verbose!r}")


def _number(value) -> str:
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def _per_step(seconds: float) -> str:
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


class Progress:
    """The progress of one pass over the batches (an epoch of ``fit``, an ``evaluate``, a
    ``predict``) at a verbose level: ``update(step, logs)`` after each batch with the running
    logs, ``close(logs)`` at the end with the final ones.

    Args:
        verbose: 0, 1 or 2 (already resolved).
        steps: the number of batches.
        label: ``"Epoch 3/10"`` or ``None``; printed before the line (level 2 and the plain level
            1) or as the bar's description (tqdm).
    """

    def __init__(self, verbose: int, steps: int, label=None):
        self.verbose, self.steps, self.label = verbose, steps, label
        self.start = time.perf_counter()
        self.bar = None
        if verbose == 1:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(total=steps, desc=label, unit="batch", leave=True)
        if verbose and self.bar is None and label:
            print(label)

    def update(self, step: int, logs=None) -> None:
        """Batch ``step`` (counted from 1) is done; ``logs`` are the running means so far."""
        if self.bar is not None:
            self.bar.update(step - self.bar.n)
            if logs:
                self.bar.set_postfix({k: _number(v) for k, v in logs.items()}, refresh=False)

    def close(self, logs=None) -> None:
        """The pass is over: the bar closes with ``logs`` (validation included), or the line prints."""
        if self.verbose == 0:
            return
        if self.bar is not None:
            self.bar.update(self.steps - self.bar.n)
            if logs:
                self.bar.set_postfix({k: _number(v) for k, v in logs.items()}, refresh=False)
            self.bar.close()
            return
        elapsed = time.perf_counter() - self.start
        per_step = _per_step(elapsed / max(1, self.steps))
        count = f"{self.steps}/{self.steps}"
        metrics = "".join(f" - {k}: {_number(v)}" for k, v in (logs or {}).items())
        if self.verbose == 1:
            print(f"{count} {'━' * 20} {elapsed:.0f}s {per_step}{metrics}")
        else:
            print(f"{count} - {elapsed:.0f}s - {per_step}{metrics}")
