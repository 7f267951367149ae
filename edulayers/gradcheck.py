"""Numerical gradient checking: ``el.gradcheck(layer_or_model, x)``.

The check every course assignment and every test in this project relies on.
With a fixed random upstream gradient ``dy`` the scalar loss is
``L = sum(y * dy)``, so ``dL/dy = dy`` and ``backward(dy)`` must return ``dL/dx``.
Each entry of the input(s) and of every trainable weight is nudged by ``+-eps``
and the central difference ``(L(w + eps) - L(w - eps)) / (2 eps)`` is compared
with what ``backward`` put in ``dx`` and ``layer.grads``.

Everything runs in float64 on a copy of the layer, so the layer you pass in is
left exactly as it was.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np


def error_display(error: float, tol: float) -> str:
    """A relative error as it reads the same on any machine, judged against ``tol``.

    * far below the tolerance (``error < tol/100``): ``"< 1e-08"`` for ``tol = 1e-6``. A correct
      backward lands here; its exact value is rounding noise that moves with the BLAS kernel;
    * within two decades of the tolerance: the order of magnitude, ``"~1e-07"``;
    * above the tolerance (a failure): two significant digits, ``"3.1e-02"``; an error from a
      real bug is a property of the code, not of the machine, and its digits are stable.

    Zero is shown as ``"< 1e-08"`` too: a sum that is exact with one BLAS kernel leaves a last-bit
    residue with another.
    """
    if error < tol / 100:
        return f"< {tol / 100:.0e}"
    if error <= tol:
        return f"~{10.0 ** round(float(np.log10(error))):.0e}"
    return f"{error:.1e}"


@dataclass
class TensorCheck:
    """The comparison for one tensor (an input or a weight)."""
    name: str
    shape: tuple
    checked: int
    max_abs_error: float
    rel_error: float
    worst_index: tuple

    def ok(self, tol: float) -> bool:
        return self.rel_error <= tol


@dataclass
class GradcheckReport:
    """Worst errors per tensor; ``bool(report)`` / ``report.ok`` is True when all are within ``tol``.

    The relative error of a tensor is ``max|analytic - numeric| / max(max|analytic|, max|numeric|)``:
    scaled by the tensor's largest gradient so that entries that are (nearly) zero do not turn
    rounding noise into huge ratios.
    """
    layer: str
    tol: float
    tensors: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(t.ok(self.tol) for t in self.tensors)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def worst(self) -> dict:
        return {t.name: t.rel_error for t in self.tensors}

    def __getitem__(self, name) -> TensorCheck:
        for t in self.tensors:
            if t.name == name:
                return t
        raise KeyError(name)

    def __str__(self) -> str:
        return self.table()

    def table(self, exact: bool = False) -> str:
        """The report as a table; ``exact=True`` prints the measured errors to three digits.

        By default each error is shown as :func:`error_display` gives it (``< 1e-08`` for a
        clean pass): the finite-difference error of a correct backward is rounding noise whose
        last digits change with the CPU's BLAS kernels and the thread count, and a printed
        report should read the same on every machine. The exact figures stay on
        ``report.tensors`` (``rel_error``, ``max_abs_error``) for whoever asks.
        """
        lines = [f"gradcheck of {self.layer} (float64, tol {self.tol:.0e}): "
                 f"{'PASSED' if self.ok else 'FAILED'}"]
        head = f"  {'tensor':<22}{'shape':<20}{'checked':>8}"
        lines.append(head + (f"{'max abs err':>14}{'rel err':>12}" if exact else f"{'rel err':>14}"))
        for t in self.tensors:
            flag = "" if t.ok(self.tol) else f"   <-- worst at {t.worst_index}"
            row = f"  {t.name:<22}{str(t.shape):<20}{t.checked:>8}"
            row += (f"{t.max_abs_error:>14.2e}{t.rel_error:>12.2e}" if exact
                    else f"{error_display(t.rel_error, self.tol):>14}")
            lines.append(row + flag)
        return "\n".join(lines)

    __repr__ = __str__


def _generators(obj, seen=None):
    """Every NumPy Generator held by a layer or model (and the layers inside it)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    found = []
    values = vars(obj).values() if hasattr(obj, "__dict__") else []
    for v in values:
        for item in (v if isinstance(v, (list, tuple)) else v.values() if isinstance(v, dict) else [v]):
            if isinstance(item, np.random.Generator):
                found.append(item)
            elif hasattr(item, "forward") and hasattr(item, "__dict__"):
                found += _generators(item, seen)
    return found


def _to64(x):
    if isinstance(x, (list, tuple)):
        return [_to64(v) for v in x]
    x = np.asarray(x)
    return x.astype(np.float64) if x.dtype.kind == "f" else x


def _tensor_params(model) -> dict:
    """Trainable weights by name; a model reports ``layer_name/weight_name``."""
    return dict(model.params)


def gradcheck(layer, x, dy=None, *, training=False, mask=None, eps=1e-6, tol=1e-6, seed=0,
              max_checks=None, path="fast", check_inputs=True, check_params=True):
    """Compare ``backward`` with central finite differences, in float64.

    Args:
        layer: a layer or a model (anything with forward/backward/params/grads).
        x: input array, or a list of arrays for multi-input layers.
        dy: upstream gradient (random normal, seeded, when not given).
        training: passed to forward (Dropout/noise layers reuse the same random draw every time).
        mask: passed to forward.
        eps: finite-difference step.
        tol: the largest relative error that passes.
        max_checks: check at most this many (randomly chosen) entries per tensor; all by default.
        path: ``"fast"`` or ``"reference"``: which forward/backward to check.

    Returns:
        A ``GradcheckReport``; print it for a table, ``report.ok`` for pass/fail.
    """
    rng = np.random.default_rng(seed)
    probe = copy.deepcopy(layer)
    probe._set_dtype("float64")
    x = _to64(x)
    gens = _generators(probe)
    states = [g.bit_generator.state for g in gens]

    def run(inputs):
        for g, s in zip(gens, states):   # the same dropout/noise draw on every evaluation
            g.bit_generator.state = s
        return probe.forward(inputs, training=training, path=path, mask=mask)

    y = run(x)
    if dy is None:
        dy = ([rng.standard_normal(np.shape(o)) for o in y] if isinstance(y, list)
              else rng.standard_normal(np.shape(y)))
    dy = _to64(dy)
    dx = probe.backward(dy)
    analytic_params = {k: np.array(v, dtype=np.float64) for k, v in probe.grads.items()}

    def loss(inputs):
        out = run(inputs)
        if isinstance(out, list):
            return float(sum(np.sum(o * d) for o, d in zip(out, dy)))
        return float(np.sum(out * dy))

    report = GradcheckReport(layer=getattr(layer, "_label", type(layer).__name__), tol=tol)
    targets = []
    if check_inputs:
        xs, dxs = (x, dx) if isinstance(x, list) else ([x], [dx])
        for i, (xi, gi) in enumerate(zip(xs, dxs)):
            if xi.dtype.kind != "f":
                continue    # integer inputs (indices) have no gradient
            name = "dx" if len(xs) == 1 else f"dx[{i}]"
            targets.append((name, xi, gi))
    if check_params:
        for name, w in _tensor_params(probe).items():
            targets.append((name, w, analytic_params.get(name)))

    for name, array, analytic in targets:
        if analytic is None:
            raise RuntimeError(f"gradcheck: backward gave no gradient for {name}")
        analytic = np.asarray(analytic, dtype=np.float64)
        if analytic.shape != array.shape:
            raise RuntimeError(f"gradcheck: the gradient for {name} has shape {analytic.shape}, "
                               f"the tensor has shape {array.shape}")
        indices = list(np.ndindex(array.shape))
        if max_checks is not None and len(indices) > max_checks:
            picks = rng.choice(len(indices), size=max_checks, replace=False)
            indices = [indices[i] for i in sorted(picks)]
        numeric = np.zeros(len(indices))
        for k, idx in enumerate(indices):
            old = array[idx]
            array[idx] = old + eps
            plus = loss(x)
            array[idx] = old - eps
            minus = loss(x)
            array[idx] = old
            numeric[k] = (plus - minus) / (2 * eps)
        picked = np.array([analytic[idx] for idx in indices])
        diff = np.abs(picked - numeric)
        scale = max(np.max(np.abs(picked), initial=0.0), np.max(np.abs(numeric), initial=0.0))
        worst = int(np.argmax(diff)) if diff.size else 0
        report.tensors.append(TensorCheck(
            name=name, shape=array.shape, checked=len(indices),
            max_abs_error=float(diff.max(initial=0.0)),
            rel_error=float(diff.max(initial=0.0) / scale) if scale > 0 else 0.0,
            worst_index=indices[worst] if indices else ()))
    return report
