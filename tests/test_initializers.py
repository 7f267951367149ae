"""Initializers: shapes and dtypes, seeds, fans (Keras 3, 2, 1), moments against the formulas,
Keras 3 parity of each distribution, Orthogonal and Identity, get()/config, and the widgets.

Statistical checks use large draws (>= 60 000 values) and bounds of 6 standard errors, so a
correct implementation fails them with probability below 1e-8 (and every draw is seeded).
"""
import math

import numpy as np
import pytest

import edulayers as el
from edulayers import initializers as inits

RANDOM_ALIASES = ["random_normal", "normal", "random_uniform", "uniform", "truncated_normal",
                  "variance_scaling", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
                  "lecun_normal", "lecun_uniform", "orthogonal"]
CLASS_OF = {name: cls for name, cls in inits.ALIASES.items()}

# (name, scale, mode, distribution) of the six presets
PRESETS = [("glorot_uniform", 1.0, "fan_avg", "uniform"),
           ("glorot_normal", 1.0, "fan_avg", "truncated_normal"),
           ("he_uniform", 2.0, "fan_in", "uniform"),
           ("he_normal", 2.0, "fan_in", "truncated_normal"),
           ("lecun_uniform", 1.0, "fan_in", "uniform"),
           ("lecun_normal", 1.0, "fan_in", "truncated_normal")]



def _truncated_kurtosis(a=2.0):
    """Kurtosis of a unit normal truncated to [-a, a]: E z^4 / (E z^2)^2."""
    phi, mass = math.exp(-a * a / 2) / math.sqrt(2 * math.pi), math.erf(a / math.sqrt(2))
    second = (mass - 2 * a * phi) / mass
    fourth = (3 * (mass - 2 * a * phi) - 2 * a ** 3 * phi) / mass
    return fourth / second ** 2


# kurtosis of each distribution: the standard error of a sample std is std*sqrt((k-1)/(4N))
KURTOSIS = {"uniform": 1.8, "untruncated_normal": 3.0, "truncated_normal": _truncated_kurtosis()}


def _std_bound(std, n, kurtosis, sigmas=6.0):
    return sigmas * std * math.sqrt((kurtosis - 1) / (4 * n))


def _to_numpy(keras, t):
    return np.asarray(keras.ops.convert_to_numpy(t), dtype=np.float64)


# ---------------------------------------------------------------- shapes, dtypes, seeds
@pytest.mark.parametrize("name", sorted(inits.ALIASES))
def test_every_alias_gives_its_shape_and_dtype(name):
    init = inits.get(name)
    shapes = [(3, 4), (3, 3, 2, 5)] if not isinstance(init, inits.Identity) else [(3, 4), (5, 5)]
    for shape in shapes:
        w = init(shape)
        assert w.shape == shape and w.dtype == np.float32          # el.floatx() default
        assert init(shape, dtype="float64").dtype == np.float64
    if not isinstance(init, (inits.Identity, inits.Orthogonal)):
        assert init((7,)).shape == (7,)


def test_default_dtype_follows_floatx():
    try:
        el.set_floatx("float64")
        assert inits.GlorotUniform()((3, 2)).dtype == np.float64
        assert inits.Zeros()((3,)).dtype == np.float64
    finally:
        el.set_floatx("float32")


@pytest.mark.parametrize("name", RANDOM_ALIASES)
def test_int_seed_repeats_and_differs(name):
    cls = CLASS_OF[name]
    a, b = cls(seed=7), cls(seed=7)
    np.testing.assert_array_equal(a((6, 5)), a((6, 5)))      # same instance, two calls
    np.testing.assert_array_equal(a((6, 5)), b((6, 5)))      # two instances, same seed
    assert not np.array_equal(a((6, 5)), cls(seed=8)((6, 5)))


@pytest.mark.parametrize("name", RANDOM_ALIASES)
def test_set_random_seed_makes_unseeded_draws_repeatable(name):
    init = inits.get(name)
    el.set_random_seed(123)
    first = [init((5, 4)), init((5, 4))]
    el.set_random_seed(123)
    second = [init((5, 4)), init((5, 4))]
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], first[1])            # unseeded: a new draw each call


def test_generator_seed_draws_anew_each_call():
    init = inits.RandomNormal(seed=np.random.default_rng(0))
    assert not np.array_equal(init((4, 4)), init((4, 4)))
    again = inits.RandomNormal(seed=np.random.default_rng(0))
    np.testing.assert_array_equal(inits.RandomNormal(seed=np.random.default_rng(0))((4, 4)),
                                  again((4, 4)))


@pytest.mark.parametrize("seed", ["1", 1.5, True])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed must be None, an int or a numpy.random.Generator"):
        inits.RandomUniform(seed=seed)


# ---------------------------------------------------------------- fans
FAN_SHAPES = [(), (7,), (5, 3), (3, 4, 6), (3, 3, 4, 8), (2, 3, 3, 4, 8), (2, 2, 2, 2, 3, 4)]


@pytest.mark.keras
@pytest.mark.parametrize("shape", FAN_SHAPES)
def test_compute_fans_equals_keras3(keras, shape):
    from keras.src.initializers.random_initializers import compute_fans as keras_fans
    assert inits.compute_fans(shape) == keras_fans(shape)


@pytest.mark.keras
def test_compute_fans_axes_equal_keras3(keras):
    from keras.src.initializers.random_initializers import compute_fans as keras_fans
    shape = (16, 4, 8)
    assert inits.compute_fans(shape, input_axes=[0], output_axes=[1, 2]) == \
        keras_fans(shape, input_axes=[0], output_axes=[1, 2]) == (16, 32)


def test_compute_fans_conventions():
    # Keras 3
    assert inits.compute_fans((7,)) == (7, 7)
    assert inits.compute_fans((3, 4, 6)) == (12, 18)              # Conv1D kernel: k=3
    assert inits.compute_fans((3, 3, 4, 8)) == (36, 72)
    assert inits.compute_fans((2, 3, 3, 4, 8)) == (72, 144)
    # Keras 2.2.4: the same for ranks 2..5, sqrt(prod(shape)) for the others
    assert inits.compute_fans((7,), "keras2") == (math.sqrt(7), math.sqrt(7))
    assert inits.compute_fans((5, 3), "keras2") == (5, 3)
    assert inits.compute_fans((3, 4, 6), "keras2") == (12, 18)
    assert inits.compute_fans((2, 3, 3, 4, 8), "keras2") == (72, 144)
    root = math.sqrt(2 ** 4 * 3 * 4)
    assert inits.compute_fans((2, 2, 2, 2, 3, 4), "keras2") == (root, root)
    assert inits.compute_fans((2, 2, 2, 2, 3, 4)) == (48, 64)
    assert inits.compute_fans((), "keras2") == (1.0, 1.0)
    # Keras 1.2.2 (dim_ordering='tf'): rank 4/5 use shape[0]*shape[1] only; rank 3 is sqrt
    assert inits.compute_fans((3, 3, 4, 8), "keras1") == (36, 72)
    assert inits.compute_fans((2, 3, 3, 4, 8), "keras1") == (24, 48)   # k3 = 3 left out
    assert inits.compute_fans((3, 4, 6), "keras1") == (math.sqrt(72), math.sqrt(72))
    assert inits.compute_fans((5, 3), "keras1") == (5, 3)


def test_compute_fans_errors():
    with pytest.raises(ValueError, match="convention must be one of"):
        inits.compute_fans((3, 3), "keras4")
    with pytest.raises(ValueError, match="give both input_axes and output_axes"):
        inits.compute_fans((3, 3), input_axes=[0])
    with pytest.raises(ValueError, match="do not fit a shape of rank 2"):
        inits.compute_fans((3, 3), input_axes=[0], output_axes=[5])


def test_keras2_fans_change_the_draw_of_1d_weights():
    shape = (400,)
    ours3 = inits.VarianceScaling(distribution="untruncated_normal")
    ours2 = inits.VarianceScaling(distribution="untruncated_normal", fan_convention="keras2")
    assert ours3.stddev(shape) == pytest.approx(1 / 20)            # sqrt(1/400)
    assert ours2.stddev(shape) == pytest.approx(1 / math.sqrt(20))  # sqrt(1/sqrt(400))
    assert inits.GlorotUniform(fan_convention="keras2").limit(shape) == pytest.approx(
        math.sqrt(3 / 20))


# ---------------------------------------------------------------- moments against the formulas

def _moments(init, shape):
    w = init(shape, dtype="float64")
    return w, float(w.mean()), float(w.std())


@pytest.mark.parametrize("name,scale,mode,distribution", PRESETS)
@pytest.mark.parametrize("shape", [(500, 500), (5, 5, 100, 200)])
def test_preset_moments(name, scale, mode, distribution, shape):
    init = inits.get(name)
    assert (init.scale, init.mode, init.distribution) == (scale, mode, distribution)
    fan_in, fan_out = inits.compute_fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    std = math.sqrt(scale / n)
    w, mean, got = _moments(inits.get(name), shape)
    size = w.size
    assert abs(mean) < 6 * std / math.sqrt(size)
    assert abs(got - std) < _std_bound(std, size, KURTOSIS[distribution])
    if distribution == "uniform":
        limit = math.sqrt(3 * scale / n)
        assert np.abs(w).max() <= limit and np.abs(w).max() > 0.999 * limit
    else:   # no value beyond 2 sigma of the stddev handed to the sampler (before the cut)
        bound = 2 * std / inits.TRUNCATED_STD
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
def test_variance_scaling_moments(mode, distribution):
    shape, scale = (3, 3, 40, 70), 0.7          # fan_in 360, fan_out 630
    init = inits.VarianceScaling(scale, mode, distribution, seed=3)
    n = {"fan_in": 360, "fan_out": 630, "fan_avg": 495}[mode]
    std = math.sqrt(scale / n)
    assert init.stddev(shape) == pytest.approx(std)
    assert init.limit(shape) == pytest.approx(math.sqrt(3) * std)
    w = np.concatenate([inits.VarianceScaling(scale, mode, distribution, seed=s)(shape, "float64")
                        .ravel() for s in range(5)])             # 126 000 values
    assert abs(w.mean()) < 6 * std / math.sqrt(w.size)
    assert abs(w.std() - std) < _std_bound(std, w.size, KURTOSIS[distribution])
    if distribution == "truncated_normal":
        assert np.abs(w).max() <= 2 * init.sampling_stddev(shape)
    if distribution == "untruncated_normal":
        assert np.abs(w).max() > 2 * std / inits.TRUNCATED_STD    # tails are there


@pytest.mark.parametrize("init,mean,std,bounds,kurtosis", [
    (inits.RandomNormal(0.3, 0.7, seed=1), 0.3, 0.7, None, 3.0),
    (inits.RandomUniform(-0.2, 0.5, seed=1), 0.15, 0.7 / math.sqrt(12), (-0.2, 0.5), 1.8),
    (inits.TruncatedNormal(0.1, 0.5, seed=1), 0.1, 0.5 * inits.TRUNCATED_STD, (-0.9, 1.1),
     KURTOSIS["truncated_normal"]),
])
def test_basic_random_moments(init, mean, std, bounds, kurtosis):
    w = init((500, 500), dtype="float64")
    assert abs(w.mean() - mean) < 6 * std / math.sqrt(w.size)
    assert abs(w.std() - std) < _std_bound(std, w.size, kurtosis)
    if bounds is not None:
        assert w.min() >= bounds[0] and w.max() <= bounds[1]


def test_truncated_std_constant():
    # the std of a unit normal truncated to [-2, 2], from its closed form
    phi2 = math.exp(-2) / math.sqrt(2 * math.pi)
    mass = math.erf(2 / math.sqrt(2))
    assert inits.TRUNCATED_STD == pytest.approx(math.sqrt(1 - 4 * phi2 / mass), rel=1e-15)


def test_fan_at_least_one():
    # n is max(1, fan): a (0-size) or tiny fan never blows the spread up
    assert inits.HeNormal().fan((1, 0)) == 1.0
    assert inits.LecunUniform().limit(()) == pytest.approx(math.sqrt(3))


# ---------------------------------------------------------------- Keras parity of the distributions
@pytest.mark.keras
@pytest.mark.parametrize("name", ["glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
                                  "lecun_normal", "lecun_uniform", "GlorotNormal", "HeUniform",
                                  "variance_scaling", "random_normal", "normal", "random_uniform",
                                  "uniform", "truncated_normal"])
@pytest.mark.parametrize("shape", [(300, 200), (3, 3, 40, 60)])
def test_keras_distribution_parity(keras, name, shape):
    theirs_init = keras.initializers.get(name)
    theirs_init.seed = 1234
    theirs = _to_numpy(keras, theirs_init(shape))
    ours = inits.get(name)
    ours.seed = 1234
    ours = ours(shape, dtype="float64")
    distribution = getattr(inits.get(name), "distribution", None)
    kurtosis = {"RandomUniform": 1.8, "TruncatedNormal": KURTOSIS["truncated_normal"]}.get(
        type(inits.get(name)).__name__, KURTOSIS.get(distribution, 3.0))
    std = theirs.std()
    bound = math.sqrt(2) * _std_bound(std, ours.size, kurtosis)   # two independent estimates
    assert abs(ours.std() - std) < bound, (ours.std(), std)
    assert abs(ours.mean() - theirs.mean()) < 6 * math.sqrt(2) * std / math.sqrt(ours.size)
    if distribution == "uniform" or name in ("random_uniform", "uniform"):
        assert abs(np.abs(ours).max() - np.abs(theirs).max()) < 1e-3 * np.abs(theirs).max()
    if isinstance(inits.get(name), inits.VarianceScaling):
        # the formula: Keras' std equals sqrt(scale/n) within statistical error
        assert abs(std - inits.get(name).stddev(shape)) < bound


@pytest.mark.keras
@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform",
                                          "normal"])
def test_keras_variance_scaling_parity(keras, mode, distribution):
    shape = (3, 30, 200)
    theirs = _to_numpy(keras, keras.initializers.VarianceScaling(1.7, mode, distribution, seed=5)(shape))
    ours = inits.VarianceScaling(1.7, mode, distribution, seed=5)(shape, dtype="float64")
    kurt = KURTOSIS[{"normal": "truncated_normal"}.get(distribution, distribution)]
    assert abs(ours.std() - theirs.std()) < math.sqrt(2) * _std_bound(theirs.std(), ours.size, kurt)


@pytest.mark.keras
@pytest.mark.parametrize("name,args,shape", [("Zeros", {}, (3, 4)), ("Ones", {}, (2, 3, 4)),
                                             ("Constant", {"value": 2.5}, (4, 2)),
                                             ("Identity", {"gain": 3.0}, (4, 4)),
                                             ("Identity", {"gain": 0.5}, (3, 5)),
                                             ("Identity", {}, (5, 3))])
def test_keras_deterministic_parity(keras, name, args, shape):
    theirs = _to_numpy(keras, getattr(keras.initializers, name)(**args)(shape))
    ours = getattr(inits, name)(**args)(shape, dtype="float64")
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.keras
@pytest.mark.parametrize("shape", [(6, 6), (9, 4), (4, 9), (3, 3, 4, 8)])
def test_keras_orthogonal_parity(keras, shape):
    rows, cols = math.prod(shape[:-1]), shape[-1]
    for w in (_to_numpy(keras, keras.initializers.Orthogonal(gain=1.5, seed=2)(shape)),
              inits.Orthogonal(gain=1.5, seed=2)(shape, dtype="float64")):
        flat = w.reshape(rows, cols)
        gram = flat @ flat.T if rows < cols else flat.T @ flat
        np.testing.assert_allclose(gram, 2.25 * np.eye(min(rows, cols)), atol=1e-10)


@pytest.mark.keras
@pytest.mark.parametrize("name", ["Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
                                  "TruncatedNormal", "VarianceScaling", "GlorotNormal",
                                  "GlorotUniform", "HeNormal", "HeUniform", "LecunNormal",
                                  "LecunUniform", "Orthogonal", "Identity"])
def test_config_keys_equal_keras(keras, name):
    theirs = getattr(keras.initializers, name)().get_config()
    ours = getattr(inits, name)().get_config()
    if name == "Identity":
        # Keras 3.15's Identity.get_config() returns {} and so loses gain; ours keeps it
        assert theirs == {} and ours == {"gain": 1.0}
        return
    assert set(ours) == set(theirs)
    for key in ours:
        if key != "seed":
            assert ours[key] == theirs[key], key


# ---------------------------------------------------------------- Orthogonal and Identity
@pytest.mark.parametrize("shape", [(5, 5), (8, 3), (3, 8), (3, 3, 4, 8), (1, 1, 2, 8)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal(shape, gain):
    w = inits.Orthogonal(gain=gain, seed=0)(shape, dtype="float64")
    assert w.shape == shape
    rows, cols = math.prod(shape[:-1]), shape[-1]
    flat = w.reshape(rows, cols)
    if rows >= cols:    # orthonormal columns (times gain)
        np.testing.assert_allclose(flat.T @ flat, gain ** 2 * np.eye(cols), atol=1e-12)
    else:               # orthonormal rows
        np.testing.assert_allclose(flat @ flat.T, gain ** 2 * np.eye(rows), atol=1e-12)
    if rows == cols:
        np.testing.assert_allclose(flat @ flat.T, gain ** 2 * np.eye(rows), atol=1e-12)


def test_orthogonal_is_haar_signs():
    # with Q's signs fixed by diag(R), the mean of a square orthogonal draw is ~0 everywhere
    mean = np.mean([inits.Orthogonal(seed=s)((3, 3), "float64") for s in range(4000)], axis=0)
    assert np.abs(mean).max() < 0.06


def test_orthogonal_errors():
    with pytest.raises(ValueError, match="rank >= 2, got \\(5,\\)"):
        inits.Orthogonal()((5,))


def test_identity():
    np.testing.assert_array_equal(inits.Identity(3.0)((3, 3)), 3 * np.eye(3))
    np.testing.assert_array_equal(inits.Identity()((2, 4)), np.eye(2, 4))
    np.testing.assert_array_equal(inits.Identity(0.5)((4, 2)), 0.5 * np.eye(4, 2))
    assert inits.IdentityInitializer is inits.Identity
    with pytest.raises(ValueError, match="needs a 2-D shape, got \\(2, 2, 2\\)"):
        inits.Identity()((2, 2, 2))


def test_constants():
    np.testing.assert_array_equal(inits.Constant(4)((2, 3)), np.full((2, 3), 4.0))
    np.testing.assert_array_equal(inits.get("zeros")((2,)), [0, 0])
    np.testing.assert_array_equal(inits.get("one")((2,)), [1, 1])


# ---------------------------------------------------------------- get(), config, errors
@pytest.mark.parametrize("name", sorted(inits.ALIASES))
def test_get_by_every_name(name):
    init = inits.get(name)
    assert isinstance(init, inits.ALIASES[name])
    assert type(inits.get(name.upper() if name.islower() else name)) is type(init)   # any case


@pytest.mark.keras
@pytest.mark.parametrize("name", sorted(n for n in inits.ALIASES))
def test_names_resolve_like_keras(keras, name):
    # Keras' own table (keras.initializers.get("constant") itself fails: Constant.from_config
    # needs a value; ours gives Constant(0.0))
    from keras.src.initializers import ALL_OBJECTS_DICT
    assert type(inits.get(name)).__name__ == ALL_OBJECTS_DICT[name].__name__


def test_get_passes_through_and_builds():
    he = inits.HeNormal(seed=1)
    assert inits.get(he) is he
    assert inits.get(None) is None
    assert isinstance(inits.get(inits.LecunUniform), inits.LecunUniform)
    fn = lambda shape, dtype=None: np.full(shape, 7.0)   # noqa: E731
    assert inits.get(fn) is fn
    fixed = inits.get(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(fixed((2, 3)), np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match=r"has shape \(2, 3\), but the weight has shape \(3, 2\)"):
        fixed((3, 2))


@pytest.mark.parametrize("init", [inits.Constant(1.5), inits.RandomNormal(0.1, 0.2, seed=3),
                                  inits.RandomUniform(-1, 2, seed=4), inits.TruncatedNormal(0, 3, 5),
                                  inits.VarianceScaling(0.5, "fan_out", "uniform", seed=6),
                                  inits.VarianceScaling(2, "fan_avg", "normal", 7, fan_convention="keras2"),
                                  inits.VarianceScaling(1, input_axes=[0], output_axes=[1, 2], seed=1),
                                  inits.GlorotUniform(seed=8), inits.HeNormal(seed=9),
                                  inits.LecunNormal(fan_convention="keras1", seed=1),
                                  inits.Orthogonal(1.1, seed=2), inits.Identity(2.0), inits.Zeros()])
def test_config_round_trip(init):
    config = init.get_config()
    again = type(init).from_config(config)
    assert again.get_config() == config
    rebuilt = inits.get(inits.serialize(init))
    assert type(rebuilt) is type(init) and rebuilt.get_config() == config
    shape = (4, 5, 6) if not isinstance(init, inits.Identity) else (4, 5)
    np.testing.assert_array_equal(again(shape), init(shape))
    np.testing.assert_array_equal(init.clone()(shape), init(shape))
    assert repr(init).startswith(type(init).__name__ + "(")


def test_normal_is_keras2_truncated_normal():
    assert inits.VarianceScaling(distribution="normal").distribution == "truncated_normal"
    assert inits.VarianceScaling(distribution="UNIFORM").distribution == "uniform"


@pytest.mark.parametrize("kwargs,message", [
    ({"scale": 0}, "scale must be a positive float"),
    ({"scale": -1.0}, "scale must be a positive float"),
    ({"mode": "fan_sum"}, "mode must be one of"),
    ({"distribution": "gamma"}, "distribution must be one of"),
    ({"fan_convention": "theano"}, "fan_convention must be one of"),
    ({"input_axes": [0]}, "give both input_axes and output_axes"),
])
def test_variance_scaling_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        inits.VarianceScaling(**kwargs)


def test_unknown_and_bad_identifiers():
    with pytest.raises(ValueError, match=r"Unknown initializer 'glorot'; did you mean 'glorot_\w+'\? Valid names: "):
        inits.get("glorot")
    with pytest.raises(ValueError, match="Unknown initializer 'Xavier'"):
        inits.get({"class_name": "Xavier", "config": {}})
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: 42"):
        inits.get(42)
    with pytest.raises(ValueError, match="needs 'class_name'"):
        inits.get({"config": {}})
    with pytest.raises(ValueError, match="shape must be a tuple of ints"):
        inits.Zeros()("abc")


def test_layers_use_the_names():
    layer = el.layers.Dense(4, kernel_initializer="he_uniform", bias_initializer="ones")
    layer(np.zeros((2, 9), dtype=np.float32))
    assert np.abs(layer.kernel).max() <= math.sqrt(6 / 9)
    np.testing.assert_array_equal(layer.bias, np.ones(4))


# ---------------------------------------------------------------- widgets (static figures and explorer)
@pytest.fixture
def plt():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    yield plt
    plt.close("all")


@pytest.mark.parametrize("name", ["glorot_uniform", "he_normal", "random_normal", "random_uniform",
                                  "truncated_normal", "orthogonal"])
def test_theoretical_density_integrates_to_one(name):
    from edulayers.widgets.initializers import theoretical_density
    theory = theoretical_density(name, (64, 32))
    lo, hi = theory["support"]
    x = np.linspace(lo, hi, 200_001)
    pdf = theory["pdf"](x)
    assert np.sum(pdf) * (x[1] - x[0]) == pytest.approx(1.0, abs=2e-3)
    variance = np.sum(pdf * x ** 2) * (x[1] - x[0]) - (np.sum(pdf * x) * (x[1] - x[0])) ** 2
    assert math.sqrt(variance) == pytest.approx(theory["std"], rel=2e-3)


def test_plot_initializer_title_has_the_numbers(plt):
    from edulayers.widgets import plot_initializer, plot_initializers
    ax = plot_initializer("glorot_uniform", shape=(256, 128))
    title = ax.get_title()
    assert "fan_in=256, fan_out=128" in title and "sqrt(3*1/192) = 0.1250" in title
    ax = plot_initializer("he_normal", shape=(3, 3, 16, 32))
    assert "n = fan_in = 144" in ax.get_title() and "sqrt(2/144) = 0.1179" in ax.get_title()
    assert len(ax.lines) >= 1 and len(ax.patches) > 10          # density curve and histogram
    ax = plot_initializer("identity", shape=(4, 4))
    assert "4 entries = 1" in ax.get_title()
    fig = plot_initializers(["glorot_uniform", "zeros", "orthogonal", "he_uniform"], ncols=3)
    assert len(fig.axes) == 6


def test_activation_statistics_show_why_scaling_matters():
    from edulayers.widgets.initializers import activation_statistics
    he = [o.std() for o in activation_statistics("he_normal", "relu", layers=5)]
    tiny = [o.std() for o in activation_statistics(inits.RandomNormal(stddev=0.01), "relu", layers=5)]
    big = [o for o in activation_statistics(inits.RandomNormal(stddev=1.0), "sigmoid", layers=5)]
    assert max(he) / min(he) < 1.5                   # He keeps the ReLU signal's scale
    assert tiny[-1] < 1e-4 * tiny[0]                 # std 0.01 kills it
    assert np.mean((big[-1] < 0.02) | (big[-1] > 0.98)) > 0.4    # std 1 saturates the sigmoid
    again = activation_statistics("he_normal", "relu", layers=2, seed=0)
    np.testing.assert_array_equal(again[1], activation_statistics("he_normal", "relu", 2)[1])
    with pytest.raises(ValueError, match="layers must be a positive int"):
        activation_statistics("he_normal", "relu", layers=0)


def test_plot_activation_histograms(plt):
    from edulayers.widgets.initializers import plot_activation_histograms
    fig = plot_activation_histograms("glorot_uniform", "tanh", layers=3, units=20, samples=50)
    assert len(fig.axes) == 3 and fig.axes[0].get_title().startswith("layer 1: std")


def test_initializer_explorer_syncs_presets(plt):
    pytest.importorskip("ipywidgets")
    from edulayers.widgets import initializer_explorer
    box = initializer_explorer()
    (left, right), _ = box.children[0].children, box.children[1]
    preset, fan_in, fan_out, seed = left.children
    scale, mode, distribution = right.children
    preset.value = "he_normal"
    assert (scale.value, mode.value, distribution.value) == (2.0, "fan_in", "truncated_normal")
    scale.value = 3.0
    assert preset.value == "custom"


def test_explain_arithmetic():
    text = inits.HeNormal().explain((3, 3, 64, 128))
    for line in ["receptive field = 3*3 = 9", "fan_in  = 64*9 = 576", "fan_out = 128*9 = 1152",
                 "n = fan_in = 576", "stddev = sqrt(scale/n) = sqrt(2/576) = 0.0589",
                 "cut at +-2*0.0670 = +-0.1340"]:
        assert line in text
    text = inits.GlorotUniform().explain((784, 256))
    assert "n = (fan_in + fan_out)/2 = (784 + 256)/2 = 520" in text
    assert "limit = sqrt(3*scale/n) = sqrt(3*1/520) = 0.0760" in text
    assert "fan_in = 10, fan_out = 10  (keras2 fans)" in inits.LecunNormal(
        fan_convention="keras2").explain((100,))
