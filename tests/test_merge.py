"""Merge layers: gradcheck (each input), reference == fast, Keras 3 twins (outputs, every input's
gradient, compute_output_shape; 2 and 3 inputs; broadcasting; Concatenate/Dot axes; Dot
normalize); Maximum/Minimum ties (TensorFlow's rule), the lower-case functions, masks, explain, config, errors."""
import numpy as np
import pytest

import edulayers as el
from edulayers.explain import evaluate_arithmetic
from twins import as64, assert_gradcheck, assert_paths_agree, compare_with_keras, keras_forward_backward

L = el.layers
ELEMENTWISE = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]
MANY = [n for n in ELEMENTWISE if n != "Subtract"]

# (name, constructor kwargs, input shapes with batch)
CASES = (
    [(n, {}, [(3, 4), (3, 4)]) for n in ELEMENTWISE]
    + [(n, {}, [(2, 3, 5), (2, 3, 5), (2, 3, 5)]) for n in MANY]
    + [(n, {}, [(2, 1, 5), (2, 3, 1)]) for n in ELEMENTWISE]             # size-1 axes broadcast
    + [(n, {}, [(2, 5), (2, 3, 5)]) for n in ELEMENTWISE]                # lower rank: axes after batch
    + [("Concatenate", {}, [(3, 4), (3, 2)]),
       ("Concatenate", {"axis": 1}, [(2, 3, 4), (2, 1, 4), (2, 2, 4)]),
       ("Concatenate", {"axis": -2}, [(2, 2, 3, 2), (2, 2, 1, 2)]),
       ("Concatenate", {"axis": 0}, [(2, 3), (1, 3)]),
       ("Dot", {"axes": 1}, [(3, 4), (3, 4)]),
       ("Dot", {"axes": -1}, [(2, 3, 4), (2, 5, 4)]),
       ("Dot", {"axes": (1, 2)}, [(2, 3, 4), (2, 5, 3)]),
       ("Dot", {"axes": (2, 1)}, [(2, 3, 4), (2, 4)]),
       ("Dot", {"axes": (1, 1)}, [(2, 3), (2, 3, 4)]),
       ("Dot", {"axes": 2}, [(2, 2, 3, 2), (2, 2, 3)]),
       ("Dot", {"axes": 1, "normalize": True}, [(3, 4), (3, 4)]),
       ("Dot", {"axes": (2, 1), "normalize": True}, [(2, 3, 4), (2, 4, 2)])]
)
IDS = [f"{n}-{kw}-{shapes}" for n, kw, shapes in CASES]


def inputs(rng, shapes):
    return [rng.standard_normal(s) for s in shapes]


@pytest.mark.parametrize("name, kwargs, shapes", CASES, ids=IDS)
def test_gradcheck_and_paths(rng, name, kwargs, shapes):
    xs = inputs(rng, shapes)
    layer = getattr(L, name)(**kwargs)
    report = assert_gradcheck(layer, xs)
    assert [t.name for t in report.tensors] == [f"dx[{i}]" for i in range(len(xs))]
    assert_gradcheck(layer, xs, path="reference")
    assert_paths_agree(as64(getattr(L, name)(**kwargs)), xs)


@pytest.mark.keras
@pytest.mark.parametrize("name, kwargs, shapes", CASES, ids=IDS)
def test_keras_parity(keras, rng, name, kwargs, shapes):
    xs = inputs(rng, shapes)
    theirs = getattr(keras.layers, name)(**kwargs)
    ours = getattr(L, name)(**kwargs)
    y, dx = compare_with_keras(ours, theirs, xs)
    assert isinstance(dx, list) and len(dx) == len(xs)
    assert [d.shape for d in dx] == [x.shape for x in xs]
    batchless = [(None,) + s[1:] for s in shapes]
    if name != "Concatenate" or kwargs.get("axis") != 0:
        assert ours.compute_output_shape(batchless) == tuple(theirs.compute_output_shape(batchless))
    assert ours.compute_output_shape(shapes) == tuple(theirs.compute_output_shape(shapes)) == y.shape
    assert ours.count_params() == 0


@pytest.mark.parametrize("name", ["Maximum", "Minimum"])
def test_tie_rule_is_tensorflows(name):
    """Constructed ties: the earlier input takes the whole gradient, as Keras 3 on TensorFlow
    (tf.maximum's gradient goes to x where x >= y), the project's reference. Keras on JAX (as on
    torch) splits a tied pair in halves (jnp.maximum's gradient is 1/2 to each side at a tie), so
    the twin tests use inputs without ties and the tie rule is checked here, by hand."""
    a = np.array([[1.0, 2.0, 3.0, -1.0]])
    b = np.array([[1.0, 1.0, 3.0, -1.0]])
    c = np.array([[1.0, 0.0, 3.0, -1.0]]) if name == "Maximum" else np.array([[1.0, 5.0, 3.0, -1.0]])
    layer = as64(getattr(L, name)())
    layer([a, a, a])
    dx = layer.backward(np.ones((1, 4)))
    np.testing.assert_allclose(np.stack(dx)[:, 0, 0], [1.0, 0.0, 0.0])
    layer([b, a, c])                                 # entry 0: all tie; entry 2: all tie
    dx = np.stack(layer.backward(np.ones((1, 4))))[:, 0]
    np.testing.assert_allclose(dx[:, 0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(dx[:, 2], [1.0, 0.0, 0.0])
    layer([a, a + (1.0 if name == "Maximum" else -1.0)])
    np.testing.assert_allclose(np.stack(layer.backward(np.ones((1, 4))))[:, 0, 0], [0.0, 1.0])
    assert_paths_agree(layer, [a, b, c])      # the reference loop follows the same tie rule


@pytest.mark.keras
@pytest.mark.parametrize("name", ["Maximum", "Minimum"])
def test_tie_rule_where_keras_on_jax_differs(keras, name):
    """The one place Keras on JAX and on TensorFlow disagree here, made explicit: at a tie JAX
    gives each tied input half the gradient, TensorFlow (and we) the earlier input all of it.
    Away from ties all three agree."""
    a = np.array([[1.0, 2.0, 3.0, -1.0]])
    b = np.array([[1.0, 1.0, 4.0, -1.0]])                    # entries 0 and 3 tie
    dy = np.array([[1.0, 2.0, 3.0, 4.0]])
    y_k, dx_k, _, _ = keras_forward_backward(getattr(keras.layers, name)(), [a, b], dy=dy)
    layer = as64(getattr(L, name)())
    y = layer([a, b])
    dx = layer.backward(dy)
    np.testing.assert_allclose(y, y_k, rtol=1e-15)
    ties, rest = [0, 3], [1, 2]
    np.testing.assert_allclose(np.stack(dx_k)[:, 0, ties], [dy[0, ties] / 2, dy[0, ties] / 2])  # JAX
    np.testing.assert_allclose(np.stack(dx)[:, 0, ties], [dy[0, ties], [0.0, 0.0]])  # TensorFlow's
    np.testing.assert_allclose(np.stack(dx)[:, 0, rest], np.stack(dx_k)[:, 0, rest], rtol=1e-15)


@pytest.mark.keras
@pytest.mark.parametrize("fn, kwargs", [("add", {}), ("subtract", {}), ("multiply", {}), ("average", {}),
                                        ("maximum", {}), ("minimum", {}), ("concatenate", {"axis": 1}),
                                        ("dot", {"axes": 1, "normalize": True})])
def test_functions_match_keras(keras, rng, fn, kwargs):
    xs = inputs(rng, [(3, 4), (3, 4)])
    ours = getattr(L, fn)(xs, **kwargs)
    theirs = getattr(keras.layers, fn)([keras.ops.convert_to_tensor(x) for x in xs], **kwargs)
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-6, atol=1e-6)
    assert ours.dtype == np.float32     # a fresh layer in el.floatx()


def test_dot_normalize_is_cosine_similarity(rng):
    a, b = rng.standard_normal((4, 6)), rng.standard_normal((4, 6))
    y = as64(L.Dot(axes=1, normalize=True))([a, b])
    cos = np.sum(a * b, 1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    np.testing.assert_allclose(y[:, 0], cos)
    # scaling an input does not change the cosine, so its gradient is orthogonal to it
    layer = as64(L.Dot(axes=1, normalize=True))
    layer([a, b])
    da, db = layer.backward(np.ones((4, 1)))
    np.testing.assert_allclose(np.sum(da * a, 1), 0, atol=1e-12)
    # a zero vector: Keras caps 1/||x|| at 1/epsilon, so the result is 0 and the gradient finite
    zero = np.zeros((1, 3))
    layer([zero, np.ones((1, 3))])
    np.testing.assert_array_equal(layer._last_output, [[0.0]])
    assert all(np.all(np.isfinite(g)) for g in layer.backward(np.ones((1, 1))))
    assert_paths_agree(layer, [zero, np.ones((1, 3))])


def test_gradient_routing_by_hand():
    a, b, c = np.array([[1.0, 2.0]]), np.array([[3.0, -1.0]]), np.array([[0.5, 4.0]])
    dy = np.array([[1.0, 10.0]])
    layer = as64(L.Multiply())
    layer([a, b, c])
    np.testing.assert_allclose(layer.backward(dy), [dy * b * c, dy * a * c, dy * a * b])
    layer = as64(L.Subtract())
    layer([a, b])
    np.testing.assert_allclose(layer.backward(dy), [dy, -dy])
    layer = as64(L.Average())
    layer([a, b, c])
    np.testing.assert_allclose(layer.backward(dy), [dy / 3] * 3)
    layer = as64(L.Concatenate())
    layer([a, b, c])
    assert [g.tolist() for g in layer.backward(np.arange(6.0)[None])] == [[[0, 1]], [[2, 3]], [[4, 5]]]
    layer = as64(L.Add())
    layer([np.ones((2, 1)), np.ones((2, 3))])                # the (2, 1) input was used 3 times
    np.testing.assert_allclose(layer.backward(np.ones((2, 3)))[0], [[3.0], [3.0]])
    # Multiply with zeros: the product of the others, not y / x
    layer = as64(L.Multiply())
    layer([np.zeros((1, 2)), np.array([[2.0, 3.0]])])
    np.testing.assert_allclose(layer.backward(np.ones((1, 2)))[0], [[2.0, 3.0]])


def test_masks_are_ored():
    m1, m2 = np.array([[True, False, False]]), np.array([[False, False, True]])
    x = [np.ones((1, 3, 2)), np.ones((1, 3, 2))]
    for name in ELEMENTWISE:
        layer = getattr(L, name)()
        layer(x, mask=[m1, m2])
        assert layer.output_mask.tolist() == [[True, False, True]]
        layer(x, mask=[m1, None])
        assert layer.output_mask is None
        layer(x)
        assert layer.output_mask is None
    layer = L.Concatenate(axis=1)
    layer(x, mask=[m1, None])
    assert layer.output_mask.tolist() == [[True, False, False, True, True, True]]
    layer = L.Dot(axes=2)
    layer(x, mask=[m1, m2])
    assert layer.output_mask is None


def test_explain():
    ex = L.Add().explain([(None, 4), (None, 4), (None, 4)])
    assert ex.formula == r"y = x_1 + x_2 + \dots + x_n"
    assert ex.trace == "[(None, 4), (None, 4), (None, 4)] -> (None, 4)"
    assert ex.param_count == 0 == evaluate_arithmetic(ex.param_formula) and "0 parameters" in str(ex)
    ex = L.Concatenate(axis=1).explain([(None, 3, 4), (None, 5, 4)])
    assert ex.output_shape == (None, 8, 4) and "axis } 1" in ex.formula
    ex = L.Dot(axes=(1, 2), normalize=True).explain([(None, 3), (None, 4, 3)])
    assert ex.output_shape == (None, 4) and "cosine" in ex.formula
    assert "L2-normalize" in str(ex) and "$$" in ex._repr_markdown_()
    assert "Ties" in str(L.Maximum().explain([(None, 2), (None, 2)]))
    for name in ELEMENTWISE:
        ex = getattr(L, name)().explain([(None, 3), (None, 2, 3)])
        assert ex.output_shape == (None, 2, 3) and ex.formula.startswith("y =")


@pytest.mark.parametrize("name, kwargs", [(n, {}) for n in ELEMENTWISE]
                         + [("Concatenate", {"axis": 2}), ("Dot", {"axes": (1, 2), "normalize": True})])
def test_config_round_trip(name, kwargs):
    layer = getattr(L, name)(**kwargs)
    config = layer.get_config()
    assert type(layer)(**config).get_config() == config


def test_functions_are_the_layers(rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    np.testing.assert_allclose(L.add([a, b]), a + b, rtol=1e-6)
    np.testing.assert_allclose(L.subtract([a, b]), a - b, rtol=1e-6)
    np.testing.assert_allclose(L.concatenate([a, b], axis=0), np.concatenate([a, b]), rtol=1e-6)
    np.testing.assert_allclose(L.dot([a, b], axes=1), np.sum(a * b, 1, keepdims=True), rtol=1e-5)
    assert L.add([a, b], name="joined").shape == (2, 3)


def test_errors():
    x = np.ones((2, 3))
    for name in ELEMENTWISE + ["Concatenate"]:
        layer = getattr(L, name)()
        with pytest.raises(ValueError, match=rf"{name} .* expected a list of input arrays.*single array "
                                             r"of shape \(2, 3\)"):
            layer(x)
        with pytest.raises(ValueError, match=rf"{name} .* expected .*inputs, got 0"):
            layer([])
    with pytest.raises(ValueError, match=r"Dot .* expected a list of input arrays"):
        L.Dot(1)(x)
    # mismatched shapes, with the shapes in the message
    with pytest.raises(ValueError, match=r"Add '\w+': inputs have incompatible shapes \[\(2, 3\), \(2, 4\)\]"):
        L.Add()([x, np.ones((2, 4))])
    with pytest.raises(ValueError, match=r"Multiply .*incompatible shapes \[\(None, 3\), \(None, 4, 2\)\]"):
        L.Multiply().compute_output_shape([(None, 3), (None, 4, 2)])
    with pytest.raises(ValueError, match=r"Maximum .*different batch sizes, got shapes \[\(2, 3\), \(3, 3\)\]"):
        L.Maximum()([x, np.ones((3, 3))])
    with pytest.raises(ValueError, match=r"Concatenate .*matching shapes except along the concatenation "
                                         r"axis -1, got shapes \[\(2, 3, 4\), \(2, 2, 4\)\].*axis 1"):
        L.Concatenate()([np.ones((2, 3, 4)), np.ones((2, 2, 4))])
    with pytest.raises(ValueError, match=r"Concatenate .*same rank, got shapes \[\(2, 3\), \(2, 3, 1\)\]"):
        L.Concatenate()([x, np.ones((2, 3, 1))])
    with pytest.raises(ValueError, match=r"Concatenate .*axis 3 is out of range.*rank 2"):
        L.Concatenate(axis=3)([x, x])
    with pytest.raises(ValueError, match="axis must be an int"):
        L.Concatenate(axis="last")
    # Subtract and Dot take exactly 2 inputs
    with pytest.raises(ValueError, match=r"Subtract '\w+' expected exactly 2 inputs, got 3"):
        L.Subtract()([x, x, x])
    with pytest.raises(ValueError, match=r"Subtract .*exactly 2 inputs, got 1"):
        L.subtract([x])
    with pytest.raises(ValueError, match=r"Dot .*exactly 2 inputs, got 3"):
        L.Dot(1)([x, x, x])
    # Dot axes
    with pytest.raises(ValueError, match=r"Dot .*axes 2 is out of range for the input shapes \[\(2, 3\), \(2, 3\)\]"):
        L.Dot(2)([x, x])
    with pytest.raises(ValueError, match=r"Dot .*axes \[1, -4\] is out of range"):
        L.Dot((1, -4))([x, np.ones((2, 3, 1))])
    with pytest.raises(ValueError, match=r"Dot .*cannot take the dot product over axis 0, the batch axis"):
        L.Dot(0)([x, x])
    with pytest.raises(ValueError, match=r"Dot .*incompatible shapes \[\(2, 3\), \(2, 4\)\]: axis 1 of the first "
                                         r"has size 3, axis 1 of the second has size 4"):
        L.Dot(1)([x, np.ones((2, 4))])
    with pytest.raises(ValueError, match=r"Dot .*rank >= 2"):
        L.Dot(1)([np.ones(2), np.ones(2)])
    for bad in ("1", (1, 2, 3), (1.0, 1), True):
        with pytest.raises(ValueError, match="axes must be an int or a pair of ints"):
            L.Dot(bad)
    # backward needs a gradient of the output's shape
    layer = L.Add()
    layer([x, x])
    with pytest.raises(ValueError, match=r"upstream gradient of shape \(2, 3\).*got \(2, 4\)"):
        layer.backward(np.ones((2, 4)))
    with pytest.raises(ValueError, match="expected a list of input shapes"):
        L.Add().explain((None, 3))


def test_float32_in_float32_out(rng):
    xs = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(3)]
    for layer in [getattr(L, n)() for n in MANY] + [L.Concatenate(), L.Dot(1, normalize=True), L.Subtract()]:
        ins = xs[:2] if isinstance(layer, (L.Dot, L.Subtract)) else xs
        y = layer(ins)
        assert y.dtype == np.float32
        assert all(g.dtype == np.float32 for g in layer.backward(np.ones_like(y)))


def test_keras1_merge_modes(rng):
    xs = inputs(rng, [(2, 3), (2, 3)])
    expected = {"sum": xs[0] + xs[1], "mul": xs[0] * xs[1], "ave": (xs[0] + xs[1]) / 2,
                "max": np.maximum(*xs), "concat": np.concatenate(xs, axis=-1),
                "dot": np.sum(xs[0] * xs[1], 1, keepdims=True)}
    for mode, y in expected.items():
        layer = as64(L.Merge(mode=mode))
        np.testing.assert_allclose(layer(xs), y, err_msg=mode)
    assert isinstance(L.Merge(mode="concat", concat_axis=1), L.Concatenate)
    cos = L.Merge(mode="cos", dot_axes=1)
    assert isinstance(cos, L.Dot) and cos.normalize and cos.axes == 1
    with pytest.raises(ValueError, match="mode must be one of"):
        L.Merge(mode="join")
    with pytest.raises(ValueError, match=r"Merge\(layers=\[...\]\) merged whole models in Keras 1"):
        L.Merge([L.Dense(2), L.Dense(2)], mode="concat")


def test_two_branch_functional_model(rng):
    """The functions work on symbolic tensors: two branches joined by merges, gradient-checked."""
    a, b = el.Input((4,)), el.Input((4,))
    h1 = L.Dense(3, activation="tanh")(a)
    h2 = L.Dense(3)(b)
    joined = L.concatenate([L.add([h1, h2]), L.maximum([h1, h2]), L.dot([h1, h2], axes=1, normalize=True)])
    assert joined.shape == (None, 7)
    model = el.Model([a, b], L.Dense(1)(joined))
    xs = inputs(rng, [(5, 4), (5, 4)])
    assert model(xs).shape == (5, 1)
    assert_gradcheck(model, xs)
    with pytest.raises(ValueError, match=r"Add .*incompatible shapes \[\(None, 3\), \(None, 4\)\]"):
        L.add([el.Input((3,)), el.Input((4,))])


def keras_masked(keras, layer, xs, masks, dy):
    """Keras 3 forward/backward (jax.vjp) with masks attached to the input tensors (as a previous
    layer would)."""
    import jax
    from keras.src import backend

    def call(*leaves):
        tensors = [t * 1.0 for t in leaves]            # fresh tensors that can carry a mask
        for t, m in zip(tensors, masks):
            if m is not None:
                backend.set_keras_mask(t, jax.numpy.asarray(m))
        y = layer(tensors)
        return y, backend.get_keras_mask(y)

    y, pullback, mask = jax.vjp(call, *[jax.numpy.asarray(x) for x in xs], has_aux=True)
    dxs = pullback(jax.numpy.asarray(dy))
    assert y.dtype == np.float64 and all(d.dtype == np.float64 for d in dxs)
    return np.asarray(y), [np.asarray(d) for d in dxs], None if mask is None else np.asarray(mask)


MASKS = [[[True, False, True, False]], [[False, True, True, False]], [[True, True, False, False]]]


@pytest.mark.keras
@pytest.mark.parametrize("name, pattern", [(n, p) for n in ELEMENTWISE
                                           for p in ["all", "first-only", "second-only", "three"]
                                           if not (n == "Subtract" and p == "three")])
def test_keras_parity_masks(keras, rng, name, pattern):
    """Keras 3 uses the masks in Multiply/Maximum/Minimum (and only ORs them in the others)."""
    n = 3 if pattern == "three" else 2
    xs = [rng.standard_normal((1, 4, 3)) for _ in range(n)]
    xs[1][0, 3] = xs[0][0, 3]                       # a tie at a position masked everywhere
    masks = {"all": MASKS[:2], "first-only": [MASKS[0], None], "second-only": [None, MASKS[1]],
             "three": MASKS}[pattern]
    masks = [None if m is None else np.array(m) for m in masks]
    dy = rng.standard_normal((1, 4, 3))
    y_k, dx_k, mask_k = keras_masked(keras, getattr(keras.layers, name)(), xs, masks, dy)
    for path in ("fast", "reference"):
        ours = as64(getattr(L, name)())
        y = ours.forward(xs, mask=masks, path=path)
        dx = ours.backward(dy)
        np.testing.assert_allclose(y, y_k, rtol=1e-12, atol=1e-12, err_msg=f"{path} output")
        for i, (g, g_k) in enumerate(zip(dx, dx_k)):
            np.testing.assert_allclose(g, g_k, rtol=1e-12, atol=1e-12, err_msg=f"{path} dx[{i}]")
        if mask_k is None:
            assert ours.output_mask is None
        else:
            np.testing.assert_array_equal(ours.output_mask, mask_k)


def test_masked_gradcheck_and_errors(rng):
    xs = [rng.standard_normal((2, 4, 3)) for _ in range(3)]
    masks = [rng.random((2, 4)) > 0.4 for _ in range(3)]
    for name in ("Multiply", "Maximum", "Minimum"):
        assert_gradcheck(getattr(L, name)(), xs, mask=masks)
        assert_gradcheck(getattr(L, name)(), xs, mask=[masks[0], None, masks[2]], path="reference")
    with pytest.raises(ValueError, match=r"Maximum .*mask must have the input's shape without the last "
                                         r"axis, \(2, 4\), got \(2, 3\)"):
        L.Maximum()(xs[:2], mask=[masks[0], np.ones((2, 3), bool)])
    with pytest.raises(ValueError, match=r"Multiply .*mask must be a list with one entry"):
        L.Multiply()(xs[:2], mask=masks[0])


@pytest.mark.keras
@pytest.mark.parametrize("kwargs, pattern", [({"axis": 1}, "all"), ({"axis": 1}, "first-only"),
                                             ({"axis": -1}, "all"), ({"axis": -1}, "second-only")])
def test_keras_parity_concatenate_mask(keras, rng, kwargs, pattern):
    xs = [rng.standard_normal((1, 4, 3)) for _ in range(2)]
    masks = {"all": MASKS[:2], "first-only": [MASKS[0], None], "second-only": [None, MASKS[1]]}[pattern]
    masks = [None if m is None else np.array(m) for m in masks]
    dy = rng.standard_normal(L.Concatenate(**kwargs).compute_output_shape([x.shape for x in xs]))
    y_k, dx_k, mask_k = keras_masked(keras, keras.layers.Concatenate(**kwargs), xs, masks, dy)
    ours = as64(L.Concatenate(**kwargs))
    np.testing.assert_allclose(ours(xs, mask=masks), y_k)
    np.testing.assert_array_equal(ours.output_mask, mask_k)
    y_k, dx_k, mask_k = keras_masked(keras, keras.layers.Dot(axes=2), xs, masks, rng.standard_normal((1, 4, 4)))
    dot = L.Dot(axes=2)
    dot(xs, mask=masks)
    assert mask_k is None and dot.output_mask is None
