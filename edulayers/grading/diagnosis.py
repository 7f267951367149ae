"""Diagnosis: the hints a failed check carries, computed from the numbers.

Comparing one array with the reference's (``_compare``): the relative error, NaN/inf, and a hint
for what went wrong: a wrong shape (transposed, permuted axes, a batch axis kept or lost, an
off-by-one size), or wrong values (a constant factor, a sign flip, a transpose, a flip, wrong
entries confined to one index, or to one branch of the input's sign). ``_forward_hypotheses``
re-runs the reference with one weight changed (zeroed, doubled, flipped, transposed) to name the
bug of a wrong forward; ``_match_weights`` maps the reference's weights to the student's.
"""
from __future__ import annotations

import itertools

import numpy as np

_CLOSE = 1e-6   # relative residual under which a hypothesis (factor, transpose, ...) is accepted
_NEARLY = 1e-3  # ... under which a factor is still named, as approximate (a finite difference's)


# ============================================================================ weight matching
def _match_weights(student, reference):
    """Map reference weight names to the student's, or explain why they do not match.

    Returns ``(mapping or None, problems, hints, notes)``: problems say what is wrong, hints
    what to do about it, notes are remarks that cost no points.
    """
    ref = {n: w.shape for n, w in reference._weights.items()}
    mine = {n: w.shape for n, w in student._weights.items()}
    problems, hints, notes = [], [], []
    if ref and not mine:
        listing = ", ".join(f"'{n}' {s}" for n, s in ref.items())
        return None, [f"your layer created no weights; the reference has {listing}"], [
            "create each weight in build with self.add_weight(name, shape, initializer), so that "
            "get_weights/set_weights and grads know about it (plain attributes are invisible)"], notes
    if set(ref) == set(mine) or len(ref) != len(mine):
        for name, shape in ref.items():
            if name not in mine:
                problems.append(f"the reference has a weight '{name}' of shape {shape} that your "
                                "layer does not create")
                hints.append(f"add it in build with self.add_weight('{name}', {shape}, ...)")
            elif mine[name] != shape:
                problems.append(f"weight '{name}' has shape {mine[name]}, the reference's has shape "
                                f"{shape}")
                if mine[name] == tuple(reversed(shape)):
                    hints.append(f"'{name}' is transposed: keep Keras' layout, e.g. Dense kernel "
                                 "(input_dim, units)")
                elif sorted(mine[name]) == sorted(shape):
                    hints.append(f"'{name}' has the right sizes in another order: Keras' layout is "
                                 "e.g. Conv1D kernel (kernel_size, in_channels, filters)")
        for name, shape in mine.items():
            if name not in ref:
                problems.append(f"your layer has a weight '{name}' {shape} that the reference "
                                f"({', '.join(ref) or 'no weights'}) does not have")
        if problems:
            return None, problems, hints, notes
        return {n: n for n in ref}, [], [], notes
    # same count, other names: match by position when every shape agrees
    pairs = list(zip(ref.items(), mine.items()))
    if all(rs == ms for (_, rs), (_, ms) in pairs):
        notes.append("weights matched by position: yours are named "
                     f"{list(mine)}, the reference's {list(ref)} (Keras' names are the convention)")
        return {rn: mn for (rn, _), (mn, _) in pairs}, [], [], notes
    for (rn, rs), (mn, ms) in pairs:
        if rs != ms:
            problems.append(f"weight '{mn}' {ms} does not match the reference's '{rn}' {rs}")
    hints.append(f"create the weights {list(ref)} with the shapes {list(ref.values())}, in this order")
    return None, problems, hints, notes


# ============================================================================ numbers
def _rel(a, b) -> float:
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0))
    diff = np.max(np.abs(a - b), initial=0.0)
    return float(diff / scale) if scale > 0 else float(diff)


def _close(a, b) -> bool:
    return a.shape == b.shape and _rel(a, b) <= _CLOSE


def _factor_text(c: float) -> str:
    for k in (2, 3, 4):
        if abs(c - k) < 1e-3 * k:
            return f"{k}"
        if abs(c - 1 / k) < 1e-3 / k:
            return f"1/{k}"
    return f"{c:.3g}"


def _as_array(value):
    if isinstance(value, np.ndarray):
        return value.astype(np.float64) if value.dtype.kind in "fiub" else None
    if isinstance(value, (list, tuple)) or np.isscalar(value):
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return None
        return arr
    return None


def _shape_hint(what, s, r, batch, context=None):
    """Hints for an array of the wrong shape."""
    context = context or {}
    y_shape = context.get("output_shape")
    if what == "dx" and y_shape is not None and s.shape == tuple(y_shape) != r.shape:
        return (f"dx must have the input's shape {r.shape}; yours has the output's shape: did you "
                "return dy, or leave out a product with the weights?")
    if s.ndim == 2 and s.shape == r.shape[::-1] and s.shape != r.shape:
        if _close(s.T, r):
            if what == "the output":
                return "it is exactly the transpose of the right answer: the batch axis comes first"
            return ("it is exactly the transpose of the right answer: swap the operands of the "
                    "matrix product (e.g. x.T @ dy, not dy.T @ x)")
        return "it has the transposed shape: check the order of the operands of your matrix product"
    if s.ndim == r.ndim and sorted(s.shape) == sorted(r.shape):
        for perm in itertools.permutations(range(r.ndim)):
            if r.transpose(perm).shape == s.shape and _close(s, r.transpose(perm)):
                return (f"its axes are in the wrong order: it equals the right answer with axes "
                        f"permuted as {perm}")
    if s.shape == (batch,) + r.shape:
        if _close(s.sum(axis=0), r):
            return ("it still has the batch axis: a weight is shared by every sample, so its gradient "
                    "is the sum over axis 0")
        return "it has an extra leading batch axis: sum over the samples"
    if s.ndim > r.ndim and s.shape[-r.ndim:] == r.shape and r.ndim:
        lead = tuple(range(s.ndim - r.ndim))
        if _close(s.sum(axis=lead), r):
            return (f"it still has the leading axes {lead}: a weight shared by every sample and "
                    "position gets the sum of the gradients over them")
    if s.shape == r.shape[1:]:
        return "the batch axis is missing: did you sum or average over axis 0?"
    if r.shape == s.shape[1:]:
        return "it has an extra leading axis"
    if s.size == r.size:
        if _close(s.reshape(r.shape), r):
            return f"the right numbers in the wrong shape: reshape to {r.shape}"
        return f"the same number of entries in another shape: the expected shape is {r.shape}"
    if s.ndim == r.ndim:
        axes = [i for i in range(r.ndim) if s.shape[i] != r.shape[i]]
        return (f"axis {axes[0]} has size {s.shape[axes[0]]} instead of {r.shape[axes[0]]}"
                + (" (off by one: check a range() or a slice end)" if abs(s.shape[axes[0]] - r.shape[axes[0]]) == 1 else ""))
    return f"rank {s.ndim} instead of {r.ndim}"



def _value_hint(what, s, r, batch, context=None):
    """A hint for two arrays of the same shape that differ: factor, sign, transpose, flip, where."""
    if not np.any(s) and np.any(r):
        return f"{what} is all zeros: is it ever written (an np.zeros_like left unfilled)?"
    return (_factor_hint(what, s, r, batch) or _rearranged_hint(what, s, r)
            or _wrong_entries_hint(what, s, r, context or {}))


def _factor_hint(what, s, r, batch):
    """When ``s`` is a constant times ``r``: the sign, the batch size, or the factor; else None."""
    rr = float(np.sum(r * r))
    if rr > 0:
        c = float(np.sum(s * r) / rr)
        if abs(c) > 1e-12 and _rel(s, c * r) <= _CLOSE:
            if abs(c + 1) < 1e-3:
                return f"{what} has the sign flipped: it is exactly -1 times the right answer"
            if batch > 1 and abs(c - 1 / batch) < 1e-3 / batch:
                return (f"{what} is divided by the batch size ({batch}): gradients sum over the "
                        "samples, they do not average")
            if batch > 4 and abs(c - batch) < 1e-3 * batch:
                return f"{what} is {batch} (the batch size) times too large"
            sign = "" if c > 0 else " and has the sign flipped"
            text = f"{what} is off by a factor ~{_factor_text(abs(c))}{sign}"
            if abs(abs(c) - 2) < 1e-3:
                text += ": did you add the gradient twice?"
            elif abs(abs(c) - 0.5) < 1e-3:
                text += ": a factor 2 is missing (or something is counted half)"
            return text
        residual = _rel(s, c * r) if abs(c) > 1e-12 else 1.0
        if residual <= _NEARLY and abs(abs(c) - 1) > 1e-2:    # a factor, up to an approximation
            return (f"{what} is nearly {_factor_text(c)} times the right answer (up to a relative "
                    f"{residual:.0e}): a constant factor, plus a small error of its own")
    return None


def _rearranged_hint(what, s, r):
    """When ``s`` holds the right numbers transposed, with permuted axes or flipped; else None."""
    if s.ndim == 2 and s.shape[0] == s.shape[1] and _close(s, r.T):
        return f"{what} is the transpose of the right answer"
    if s.ndim >= 2:
        for perm in itertools.permutations(range(r.ndim)):
            if perm != tuple(range(r.ndim)) and r.transpose(perm).shape == s.shape \
                    and _close(s, r.transpose(perm)):
                return f"{what} has the right numbers with its axes permuted as {perm}"
    for axis in range(r.ndim):
        if r.shape[axis] > 1 and _close(s, np.flip(r, axis)):
            return f"{what} is the right answer flipped along axis {axis}"
    return None


def _wrong_entries_hint(what, s, r, context):
    """How many entries are wrong, the worst one, and what the wrong ones have in common."""
    wrong = np.abs(s - r) > 1e-6 * max(np.max(np.abs(r)), 1e-300)
    count, total = int(wrong.sum()), wrong.size
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.abs(s - r))), s.shape))
    text = (f"{count} of {total} entries of {what} are wrong; the worst at index {idx}: "
            f"yours {s[idx]:.4g}, expected {r[idx]:.4g}")
    if count < total:
        located = _one_index(wrong)
        if located:
            text += f"; every wrong entry is {located}"
        else:
            x = context.get("x")
            if x is not None and x.shape == s.shape and np.any(x < 0) and np.any(x > 0):
                for sign, mask in (("x < 0", x < 0), ("x > 0", x > 0)):
                    if np.array_equal(wrong, mask):
                        return text + (f"; the wrong entries are exactly those where {sign}: check "
                                       f"that branch of your {'forward' if what == 'the output' else 'derivative'}")
            if what == "dx" and context.get("windowed"):
                text += (f"; {total - count} entries are right: compare the positions that are right "
                         "with those that are not (an input position read by several windows must "
                         "collect their gradients with +=, not =)")
    return text


def _one_index(mask) -> str:
    """``"at index 4 of axis 1 (the last one: an off-by-one in a loop range?)"`` when every marked
    entry shares one index along some axis (of size > 2); empty otherwise."""
    positions = np.argwhere(mask)
    if not len(positions) or mask.all():
        return ""
    for axis in range(mask.ndim):
        values = np.unique(positions[:, axis])
        if mask.shape[axis] > 2 and len(values) == 1:
            v = int(values[0])
            edge = "the last" if v == mask.shape[axis] - 1 else "the first" if v == 0 else ""
            return (f"at index {v} of axis {axis}"
                    + (f" ({edge} one: an off-by-one in a loop range?)" if edge else ""))
    return ""


def _compare(what, student_value, expected, batch, tol, context=None):
    """``(passed, error, message, hint)`` for one array against the reference's."""
    if student_value is None:
        return False, None, f"{what} is None", ""
    s = _as_array(student_value)
    if s is None:
        return False, None, f"{what} is a {type(student_value).__name__}, not an array", ""
    r = expected
    if s.shape != r.shape:
        return (False, None, f"{what} has shape {s.shape}, expected {r.shape}",
                _shape_hint(what, s, r, batch, context))
    bad = ~np.isfinite(s)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        kinds = " and ".join(k for k, m in (("NaN", np.isnan(s)), ("inf", np.isinf(s))) if m.any())
        located = _one_index(bad)
        hint = (f"every {kinds} entry is {located}" if located else
                "look for np.exp of a large number (an overflow: subtract the maximum first), an "
                "array made with np.empty (or np.full(nan)) that is not filled everywhere, a "
                "division by zero, or the log/sqrt of a negative number")
        return (False, None, f"{what} contains {kinds} in {int(bad.sum())} of {s.size} entries "
                f"(first at index {idx})", hint)
    err = _rel(s, r)
    if err <= tol:
        return True, err, "", ""
    return False, err, f"{what} differs from the reference (relative error {err:.1e})", \
        _value_hint(what, s, r, batch, context)


# ============================================================================ forward hypotheses
def _forward_hypotheses(reference, x, training, student_y):
    """Re-run the reference with one weight zeroed or the kernel flipped; a match is a hint."""
    hints = []
    saved = {n: w.copy() for n, w in reference._weights.items()}
    try:
        for name, w in saved.items():
            for label, value in _weight_trials(name, w):
                reference._weights[name][...] = value
                try:
                    y = np.asarray(reference.forward(x, training=training, path="fast"),
                                   dtype=np.float64)
                finally:
                    reference._weights[name][...] = saved[name]
                if y.shape == student_y.shape and _close(student_y, y):
                    hints.append((label, y))
    except Exception:       # noqa: BLE001 -- a hypothesis that cannot run is just not a hint
        pass
    finally:
        for name, w in saved.items():
            reference._weights[name][...] = w
    return hints


def _weight_trials(name, w) -> list:
    """``(hint, changed value)`` pairs: the usual ways a forward misuses the weight ``name``."""
    trials = [(f"your forward ignores the weight '{name}' (your output equals the "
               f"reference's with {name} = 0)", np.zeros_like(w))]
    if name in ("bias", "b"):
        trials.append((f"your forward adds '{name}' twice", 2 * w))
    for axis in range(max(w.ndim - 2, 0)):            # the spatial axes of a kernel
        trials.append((f"your '{name}' is used flipped along axis {axis}: Keras' convolution "
                       "is a cross-correlation, do not flip the kernel", np.flip(w, axis)))
    if w.ndim == 2 and w.shape[0] == w.shape[1]:
        trials.append((f"you use '{name}' transposed", w.T))
    return trials
