"""Helpers for the tiers of layer tests: gradcheck, reference == fast, Keras twin.

``compare_with_keras`` follows numpy-ml's "Mine vs Theirs": build the Keras layer, copy its
weights into ours with ``set_weights``, run both forward on the same input, push the same
upstream gradient back, and compare y, dx and every weight gradient.
"""
import numpy as np

import edulayers as el


def as64(layer):
    """The layer, switched to float64 (weights cast)."""
    layer._set_dtype("float64")
    return layer


def assert_gradcheck(layer, x, tol=1e-6, **kwargs):
    report = el.gradcheck(layer, x, tol=tol, **kwargs)
    assert report.ok, str(report)
    assert report.tensors, "gradcheck checked nothing"
    return report


def assert_paths_agree(layer, x, dy=None, rtol=1e-12, atol=1e-12, training=False, seed=0):
    """The reference and the fast path give the same output, input gradient and weight gradients.

    Run in float64 so that differences in summation order stay at rounding level.
    """
    rng = np.random.default_rng(seed)
    outs, dxs, grads = [], [], []
    for path in ("fast", "reference"):
        y = layer.forward(x, path=path, training=training)
        if dy is None:
            dy = ([rng.standard_normal(np.shape(o)) for o in y] if isinstance(y, list)
                  else rng.standard_normal(np.shape(y)))
        dx = layer.backward(dy)
        outs.append(y)
        dxs.append(dx)
        grads.append({k: np.array(v) for k, v in layer.grads.items()})
    _close(outs[0], outs[1], rtol, atol, "output")
    _close(dxs[0], dxs[1], rtol, atol, "dx")
    assert grads[0].keys() == grads[1].keys()
    for k in grads[0]:
        _close(grads[0][k], grads[1][k], rtol, atol, f"grads[{k!r}]")


def _close(a, b, rtol, atol, what):
    if isinstance(a, (list, tuple)):
        for i, (ai, bi) in enumerate(zip(a, b)):
            _close(ai, bi, rtol, atol, f"{what}[{i}]")
        return
    if a is None or b is None:
        assert a is None and b is None, f"{what}: one side is None"
        return
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"{what}: mine vs theirs")


def _torch(x, requires_grad=True):
    import torch
    if isinstance(x, (list, tuple)):
        return [_torch(v, requires_grad) for v in x]
    t = torch.tensor(np.asarray(x))
    if t.is_floating_point() and requires_grad:
        t.requires_grad_(True)
    return t


def _numpy(t):
    if isinstance(t, (list, tuple)):
        return [_numpy(v) for v in t]
    return t.detach().cpu().numpy()


def keras_forward_backward(keras_layer, x, dy=None, training=False, seed=0, **call_kwargs):
    """Run a Keras layer forward and backward with torch autograd.

    Returns ``(y, dx, {weight_name: grad})`` as NumPy arrays, with ``dy`` random normal (seeded)
    unless given; weight names are the last part of Keras' variable path (``kernel``, ``bias``).
    """
    import torch
    xt = _torch(x)
    yt = keras_layer(xt, training=training, **call_kwargs) if training else keras_layer(xt, **call_kwargs)
    ys = yt if isinstance(yt, (list, tuple)) else [yt]
    rng = np.random.default_rng(seed)
    if dy is None:
        dy = [rng.standard_normal(tuple(y.shape)) for y in ys]
    dys = dy if isinstance(dy, (list, tuple)) else [dy]
    torch.autograd.backward([y for y in ys], [torch.tensor(np.asarray(d), dtype=y.dtype)
                                               for y, d in zip(ys, dys)])
    xs = xt if isinstance(xt, list) else [xt]
    dx = [t.grad.numpy().copy() if (t.is_floating_point() and t.grad is not None) else None for t in xs]
    grads = {}
    for w in keras_layer.trainable_weights:
        g = w.value.grad
        grads[w.path.split("/")[-1]] = None if g is None else g.numpy().copy()
    y = _numpy(ys) if isinstance(yt, (list, tuple)) else _numpy(yt)
    return (y, dx if isinstance(x, (list, tuple)) else dx[0], grads,
            dy if isinstance(yt, (list, tuple)) else dys[0])


def compare_with_keras(layer, keras_layer, x, rtol=1e-10, atol=1e-10, training=False,
                       grad_names=None, check_weights=True, **call_kwargs):
    """Copy Keras' weights into ``layer`` and compare y, dx and the weight gradients.

    ``grad_names`` maps our weight names to Keras' where they differ (Keras 2 vs 3 names).
    """
    x = np.asarray(x) if not isinstance(x, (list, tuple)) else [np.asarray(v) for v in x]
    keras_layer.build(_shape(x)) if not keras_layer.built else None
    y_k, dx_k, grads_k, dy = keras_forward_backward(keras_layer, x, training=training, **call_kwargs)
    as64(layer)
    layer.forward(x, training=training)        # build
    if check_weights:
        layer.set_weights([np.asarray(w) for w in keras_layer.get_weights()])
    y = layer.forward(x, training=training)
    dx = layer.backward(dy)
    _close(y, y_k, rtol, atol, f"{type(layer).__name__} output")
    if dx_k is not None and not (isinstance(dx_k, list) and all(d is None for d in dx_k)):
        _close(dx, dx_k, rtol, atol, f"{type(layer).__name__} dx")
    names = grad_names or {}
    for ours in layer.grads:
        theirs = names.get(ours, ours)
        assert theirs in grads_k, f"Keras has no gradient named {theirs!r} (has {sorted(grads_k)})"
        _close(layer.grads[ours], grads_k[theirs], rtol, atol, f"grads[{ours!r}]")
    return y, dx


def _shape(x):
    if isinstance(x, list):
        return [v.shape for v in x]
    return x.shape
