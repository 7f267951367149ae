"""Helpers for the tiers of layer tests: gradcheck, reference == fast, Keras twin.

``compare_with_keras`` follows numpy-ml's "Mine vs Theirs": build the Keras layer, copy its
weights into ours with ``set_weights``, run both forward on the same input, push the same
upstream gradient back, and compare y, dx and every weight gradient. Keras runs on the JAX
backend in float64 (tests/conftest.py) and its gradients come from ``jax.vjp`` (``keras_vjp``).
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


def _jax(x):
    """NumPy arrays (and nests of them) as JAX arrays; anything else as it is."""
    import jax
    import jax.numpy as jnp
    return jax.tree_util.tree_map(lambda v: jnp.asarray(v) if isinstance(v, np.ndarray) else v, x)


def _numpy(t):
    if isinstance(t, (list, tuple)):
        return [_numpy(v) for v in t]
    return None if t is None else np.array(t)


def _is_float(v):
    return hasattr(v, "dtype") and np.issubdtype(np.dtype(v.dtype), np.floating)


def _assert_float64(what, values):
    """The reference computes in float64 (conftest's BIT64_TO_BIT32_DTYPE patch and x64 JAX)."""
    for v in values:
        if _is_float(v):
            assert np.dtype(v.dtype) == np.float64, f"Keras {what} is {v.dtype}, not float64"


class KerasVJP:
    """What ``keras_vjp`` returns: outputs, upstream gradients and every gradient, as NumPy."""

    def __init__(self, y, dy, dargs, dkwargs, weight_grads, weights):
        self.y, self.dy, self.dargs, self.dkwargs = y, dy, dargs, dkwargs
        self.grad_list = weight_grads                   # in ``keras_layer.trainable_weights`` order
        # keyed by the last part of Keras' variable path (kernel, bias, ...)
        self.grads = {w.path.split("/")[-1]: g for w, g in zip(weights, weight_grads)}


def _state_variables(keras_layer):
    """The layer's non-trainable variables, and the states of stateful RNNs inside it: Keras keeps
    those in variables (``layer.states``) that it does not track among the layer's variables."""
    import keras
    found = list(keras_layer.non_trainable_variables)
    for layer in keras_layer._flatten_layers(include_self=True, recursive=True):
        states = getattr(layer, "states", None)
        for v in states if isinstance(states, (list, tuple)) else [states]:
            if isinstance(v, keras.Variable) and not any(v is f for f in found):
                found.append(v)
    return found


def keras_vjp(keras_layer, args, kwargs=None, dy=None, wrt=(), seed=0):
    """``keras_layer(*args, **kwargs)`` and its vector-Jacobian product with ``jax.vjp``.

    The call runs inside ``keras.StatelessScope`` with the layer's variables as explicit inputs,
    as ``Layer.stateless_call`` does, but through ``__call__`` (not ``call``) so that masks
    attached to inputs, ``training`` and the dtype casts are handled as in an eager call. The
    updated non-trainable variables (moving statistics, RNG seeds) and stateful RNN states are
    written back to the layer afterwards, so the layer ends as an eager call would leave it; they
    are constants for the gradient (a stateful RNN: truncated backpropagation through time).

    Gradients are taken with respect to every floating array in ``args``, the keyword arguments
    named in ``wrt`` (e.g. ``initial_state``) and the trainable weights. ``dy`` (one array per
    output) defaults to random normal, seeded. Returns a ``KerasVJP``: ``y`` and ``dy`` as lists
    when the layer returns several outputs, ``dargs`` shaped like ``args`` (None for integer
    inputs), ``dkwargs`` {name: gradient}, ``grads`` {weight_name: gradient} and ``grad_list``.
    """
    import jax
    import keras
    tree = jax.tree_util
    if not keras_layer.built:                # built outside the stateless scope, for args[0]
        keras_layer.build(_shape(args[0]))
    args = _jax(tuple(args))
    kwargs = _jax(dict(kwargs or {}))
    diff_kwargs = {k: kwargs.pop(k) for k in wrt}
    leaves, treedef = tree.tree_flatten(args)
    is_float = [_is_float(v) for v in leaves]
    weights = list(keras_layer.trainable_variables)
    states = _state_variables(keras_layer)

    def call(trainable, float_leaves, diff_kwargs):
        it = iter(float_leaves)
        a = tree.tree_unflatten(treedef, [next(it) if f else v for v, f in zip(leaves, is_float)])
        mapping = list(zip(weights, trainable)) + list(zip(states, [v.value for v in states]))
        with keras.StatelessScope(state_mapping=mapping) as scope:
            y = keras_layer(*a, **kwargs, **diff_kwargs)
        return y, [scope.get_current_value(v) for v in states]

    float_leaves = [v for v, f in zip(leaves, is_float) if f]
    y, pullback, new_states = jax.vjp(call, [w.value for w in weights], float_leaves, diff_kwargs,
                                      has_aux=True)
    ys, y_tree = tree.tree_flatten(y)
    rng = np.random.default_rng(seed)
    if dy is None:
        dy = [rng.standard_normal(tuple(v.shape)) for v in ys]
    dys = list(dy) if isinstance(dy, (list, tuple)) else [dy]
    assert len(dys) == len(ys), f"{len(dys)} upstream gradients for {len(ys)} outputs"
    d_weights, d_floats, d_kwargs = pullback(
        tree.tree_unflatten(y_tree, [np.asarray(d, dtype=v.dtype) for d, v in zip(dys, ys)]))
    for variable, value in zip(states, new_states):
        variable.assign(value)
    _assert_float64("output", ys)
    _assert_float64("gradient", list(d_weights) + list(d_floats) + tree.tree_leaves(d_kwargs))
    it = iter(d_floats)
    dargs = tree.tree_unflatten(treedef, [np.array(next(it)) if f else None for f in is_float])
    several = len(ys) > 1 or isinstance(y, (list, tuple))
    return KerasVJP(_numpy(ys) if several else np.array(ys[0]),
                    dys if several else dys[0],
                    _numpy(dargs), {k: _numpy(v) for k, v in d_kwargs.items()},
                    [np.array(g) for g in d_weights], weights)


def keras_forward_backward(keras_layer, x, dy=None, training=False, seed=0, **call_kwargs):
    """Run a Keras layer forward and backward with JAX (``keras_vjp``).

    Returns ``(y, dx, {weight_name: grad}, dy)`` as NumPy arrays, with ``dy`` random normal
    (seeded) unless given; weight names are the last part of Keras' variable path (``kernel``,
    ``bias``). ``training`` is passed only when true; otherwise Keras resolves it (inference).
    """
    if training:
        call_kwargs["training"] = training
    r = keras_vjp(keras_layer, (x,), call_kwargs, dy=dy, seed=seed)
    return r.y, r.dargs[0], r.grads, r.dy


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
    if isinstance(x, (list, tuple)):
        return [np.shape(v) for v in x]
    return np.shape(x)
