r"""Pictures of initializers: drawn values against the density the formula promises.

* ``plot_initializer(init, shape)``: a histogram of one draw, the theoretical density on top,
  and the formula with the actual numbers in the title
  (:math:`\sigma = \sqrt{s/n}`, :math:`\ell = \sqrt{3s/n}`).
* ``plot_initializers(names, shape)``: the same for several initializers, in a grid.
* ``initializer_explorer()``: ipywidgets controls (preset, fan_in, fan_out, scale, mode,
  distribution, seed) redrawing that histogram.
* ``plot_activation_histograms(initializer, activation)``: the experiment of *Deep Learning from
  Scratch* (ch. 6): push 1000 random inputs through a stack of Dense layers and look at the
  distribution of each layer's activations. With a badly scaled initializer they collapse to
  0 or saturate; Glorot (tanh, sigmoid) and He (ReLU) keep them spread out.

Densities: uniform :math:`U(-\ell, \ell)` is a box of height :math:`1/(2\ell)`; a normal is
:math:`\varphi(x/\sigma)/\sigma`; the truncated normal Keras draws has pre-cut spread
:math:`\sigma_0 = \sigma/0.8796` and density :math:`\varphi(x/\sigma_0) / (\sigma_0 (2\Phi(2)-1))`
on :math:`[-2\sigma_0, 2\sigma_0]`. Orthogonal entries are close to
:math:`N(0, g^2/\max(\text{rows}, \text{cols}))` (each unit column has squared entries that
average :math:`1/\text{rows}`); the curve drawn for it is that approximation.
"""
from __future__ import annotations

import math

import numpy as np

from .. import initializers as inits
from . import _require, explorer_panel

__all__ = ["plot_initializer", "plot_initializers", "initializer_explorer",
           "plot_activation_histograms", "activation_statistics", "theoretical_density"]

#: Mass of a unit normal inside [-2, 2]: the truncated density is divided by it.
_MASS_WITHIN_2 = math.erf(2 / math.sqrt(2))

PRESETS = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
           "lecun_normal")


def _normal_pdf(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


def _name(init) -> str:
    name = type(init).__name__
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def _fan_text(init, shape):
    fan_in, fan_out = init.fans(shape)
    n_text = {"fan_in": "n = fan_in", "fan_out": "n = fan_out",
              "fan_avg": "n = (fan_in + fan_out)/2"}[init.mode]
    return f"fan_in={fan_in:g}, fan_out={fan_out:g}, {n_text} = {init.fan(shape):g}"


def theoretical_density(init, shape):
    """What ``init(shape)`` should look like, as a dict.

    Keys: ``pdf`` (a function of x, or ``None`` where there is no density), ``support``
    ``(lo, hi)`` to draw it on, ``formula`` (one line with the numbers filled in),
    ``bounds`` (values no draw may pass, or ``None``), ``std`` (the standard deviation the values
    should have, or ``None``), ``label`` (legend text) and ``exact`` (False for approximations).
    """
    init = inits.get(init)
    shape = tuple(int(s) for s in shape)
    out = {"pdf": None, "bounds": None, "std": None, "exact": True, "label": "theory"}
    if isinstance(init, inits.VarianceScaling):
        s, n = init.scale, init.fan(shape)
        head = _fan_text(init, shape)
        if init.distribution == "uniform":
            limit = init.limit(shape)
            out.update(pdf=lambda x: np.where(np.abs(x) <= limit, 1 / (2 * limit), 0.0),
                       support=(-1.15 * limit, 1.15 * limit), bounds=(-limit, limit),
                       std=init.stddev(shape), label=f"U(-{limit:.4g}, {limit:.4g})",
                       formula=f"{head}\nlimit = sqrt(3*scale/n) = sqrt(3*{s:g}/{n:g}) = {limit:.4f}")
        elif init.distribution == "truncated_normal":
            std, std0 = init.stddev(shape), init.sampling_stddev(shape)
            out.update(pdf=lambda x: np.where(np.abs(x) <= 2 * std0,
                                              _normal_pdf(x, 0.0, std0) / _MASS_WITHIN_2, 0.0),
                       support=(-2.4 * std0, 2.4 * std0), bounds=(-2 * std0, 2 * std0), std=std,
                       label=f"N(0, {std0:.4f}²) cut at ±{2 * std0:.4f}",
                       formula=(f"{head}\nstddev = sqrt(scale/n) = sqrt({s:g}/{n:g}) = {std:.4f}\n"
                                f"drawn with {std:.4f}/0.8796 = {std0:.4f}, cut at ±2·{std0:.4f}"))
        else:
            std = init.stddev(shape)
            out.update(pdf=lambda x: _normal_pdf(x, 0.0, std), support=(-4 * std, 4 * std), std=std,
                       label=f"N(0, {std:.4f}²)",
                       formula=f"{head}\nstddev = sqrt(scale/n) = sqrt({s:g}/{n:g}) = {std:.4f}")
    elif isinstance(init, inits.RandomUniform):
        lo, hi = init.minval, init.maxval
        pad = 0.15 * (hi - lo)
        out.update(pdf=lambda x: np.where((x >= lo) & (x <= hi), 1 / (hi - lo), 0.0),
                   support=(lo - pad, hi + pad), bounds=(lo, hi), std=(hi - lo) / math.sqrt(12),
                   label=f"U({lo:g}, {hi:g})", formula=f"minval={lo:g}, maxval={hi:g}")
    elif isinstance(init, inits.TruncatedNormal):
        m, s0 = init.mean, init.stddev
        out.update(pdf=lambda x: np.where(np.abs(x - m) <= 2 * s0,
                                          _normal_pdf(x, m, s0) / _MASS_WITHIN_2, 0.0),
                   support=(m - 2.4 * s0, m + 2.4 * s0), bounds=(m - 2 * s0, m + 2 * s0),
                   std=s0 * inits.TRUNCATED_STD, label=f"N({m:g}, {s0:g}²) cut at ±2·{s0:g}",
                   formula=(f"mean={m:g}, stddev={s0:g} (before the cut); values within "
                            f"[{m - 2 * s0:.4g}, {m + 2 * s0:.4g}], std = 0.8796·{s0:g} = "
                            f"{s0 * inits.TRUNCATED_STD:.4f}"))
    elif isinstance(init, inits.RandomNormal):
        m, s = init.mean, init.stddev
        out.update(pdf=lambda x: _normal_pdf(x, m, s), support=(m - 4 * s, m + 4 * s), std=s,
                   label=f"N({m:g}, {s:g}²)", formula=f"mean={m:g}, stddev={s:g}")
    elif isinstance(init, inits.Orthogonal):
        if len(shape) < 2:
            raise ValueError(f"Orthogonal needs a shape of rank >= 2, got {shape}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        std = abs(init.gain) / math.sqrt(max(rows, cols))
        out.update(pdf=lambda x: _normal_pdf(x, 0.0, std), support=(-4 * std, 4 * std), std=std,
                   exact=False, label=f"≈ N(0, {std:.4f}²)",
                   formula=(f"matrix ({rows}, {cols}); entries ≈ gain/sqrt(max(rows, cols)) = "
                            f"{init.gain:g}/sqrt({max(rows, cols)}) = {std:.4f}"))
    else:
        out.update(support=None, formula="no density: every entry is fixed")
        if isinstance(init, inits.Constant):
            out["formula"] = f"every entry = {init.value!r}"
        elif isinstance(init, inits.Zeros):
            out["formula"] = "every entry = 0"
        elif isinstance(init, inits.Ones):
            out["formula"] = "every entry = 1"
        elif isinstance(init, inits.Identity):
            out["formula"] = (f"gain·I: {min(shape)} entries = {init.gain:g}, the other "
                              f"{math.prod(shape) - min(shape)} = 0")
    return out


def _seeded(init, seed):
    """``init`` with ``seed`` when it is an unseeded random initializer (else ``init`` itself)."""
    if seed is None or not isinstance(init, inits.RandomInitializer) or init.seed is not None:
        return init
    config = init.get_config()
    config["seed"] = seed
    return type(init).from_config(config)


def plot_initializer(name_or_init, shape=(256, 256), ax=None, bins=60, seed=0, title=None):
    """Histogram of ``init(shape)`` (as a density), the theoretical density, and the formula.

    Args:
        name_or_init: a name (``"he_normal"``), config dict or initializer instance.
        shape: the weight shape; its fans set the spread of the variance-scaling family.
        ax: a matplotlib Axes (a new figure when ``None``).
        bins: histogram bins.
        seed: seed for an unseeded random initializer (``None``: draw from the shared generator).
        title: first title line (default: the initializer's name and the shape).

    Returns the Axes. The title's second and third lines hold the formula with the numbers.
    """
    plt = _require("matplotlib.pyplot", feature="plot_initializer")

    init = _seeded(inits.get(name_or_init), seed)
    shape = tuple(int(s) for s in shape)
    values = np.asarray(init(shape, dtype="float64")).ravel()
    theory = theoretical_density(init, shape)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.6))
    head = title or f"{name_or_init if isinstance(name_or_init, str) else _name(init)} {shape}"
    if theory["pdf"] is None:
        levels, counts = np.unique(values, return_counts=True)
        ax.bar(levels, counts / values.size, width=0.05 * max(1.0, np.ptp(levels) or 1.0),
               color="tab:blue", alpha=0.7, label="drawn (fraction)")
        ax.set_ylabel("fraction of entries")
    else:
        lo, hi = theory["support"]
        ax.hist(values, bins=bins, range=(min(lo, values.min()), max(hi, values.max())),
                density=True, color="tab:blue", alpha=0.55, label=f"drawn: std {values.std():.4f}")
        grid = np.linspace(lo, hi, 801)
        ax.plot(grid, theory["pdf"](grid), color="tab:red", lw=2, label=theory["label"])
        if theory["bounds"] is not None:
            for b in theory["bounds"]:
                ax.axvline(b, color="tab:red", ls=":", lw=1)
        ax.set_ylabel("density")
    ax.set_xlabel("weight value")
    ax.set_title(f"{head}\n{theory['formula']}", fontsize=8.5)
    ax.legend(fontsize=7.5, loc="upper right")
    return ax


def plot_initializers(names=None, shape=(256, 256), ncols=3, seed=0, bins=50, figsize=None):
    """A grid of ``plot_initializer`` panels (default: the six Glorot/He/LeCun presets).

    Returns the matplotlib Figure.
    """
    plt = _require("matplotlib.pyplot", feature="plot_initializers")

    names = list(names or PRESETS)
    nrows = math.ceil(len(names) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize or (5.2 * ncols, 3.6 * nrows),
                             squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        plot_initializer(name, shape=shape, ax=ax, seed=seed, bins=bins)
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def initializer_explorer(shape=(256, 256), seed=0):
    """ipywidgets controls redrawing ``plot_initializer`` for a VarianceScaling initializer.

    Picking a preset (``glorot_uniform``, ``he_normal``, ...) sets scale, mode and distribution;
    changing any of them afterwards shows the custom ``VarianceScaling``. ``fan_in`` and
    ``fan_out`` make the Dense-kernel shape ``(fan_in, fan_out)``. Returns the widget box.
    """
    widgets, plt = _require("ipywidgets", "matplotlib.pyplot", feature="initializer_explorer")

    style = {"description_width": "80px"}
    preset = widgets.Dropdown(options=list(PRESETS) + ["custom"], value="glorot_uniform",
                              description="preset", style=style)
    fan_in = widgets.IntSlider(value=shape[0], min=1, max=1024, step=1, description="fan_in",
                               continuous_update=False, style=style)
    fan_out = widgets.IntSlider(value=shape[1], min=1, max=1024, step=1, description="fan_out",
                                continuous_update=False, style=style)
    scale = widgets.FloatSlider(value=1.0, min=0.1, max=4.0, step=0.1, description="scale",
                                continuous_update=False, style=style)
    mode = widgets.Dropdown(options=list(inits.VarianceScaling.MODES), value="fan_avg",
                            description="mode", style=style)
    distribution = widgets.Dropdown(options=list(inits.VarianceScaling.DISTRIBUTIONS),
                                    value="uniform", description="distribution", style=style)
    seed_box = widgets.IntText(value=seed, description="seed", style=style)
    syncing = {"on": False}

    def apply_preset(change):
        if change["new"] == "custom":
            return
        preset_init = inits.get(change["new"])
        syncing["on"] = True
        scale.value, mode.value = preset_init.scale, preset_init.mode
        distribution.value = preset_init.distribution
        syncing["on"] = False

    def to_custom(change):
        if syncing["on"] or preset.value == "custom":
            return
        preset_init = inits.get(preset.value)
        if (scale.value, mode.value, distribution.value) != (
                preset_init.scale, preset_init.mode, preset_init.distribution):
            preset.value = "custom"

    preset.observe(apply_preset, names="value")
    for w in (scale, mode, distribution):
        w.observe(to_custom, names="value")

    def draw(preset, fan_in, fan_out, scale, mode, distribution, seed):
        if preset == "custom":
            init = inits.VarianceScaling(scale=scale, mode=mode, distribution=distribution)
            title = f"VarianceScaling(scale={scale:g}, mode={mode!r}, distribution={distribution!r})"
        else:
            init, title = inits.get(preset), preset
        _, ax = plt.subplots(figsize=(7, 3.8))
        plot_initializer(init, shape=(fan_in, fan_out), ax=ax, seed=seed,
                         title=f"{title} on a ({fan_in}, {fan_out}) kernel")
        plt.show()

    out = widgets.interactive_output(draw, {"preset": preset, "fan_in": fan_in, "fan_out": fan_out,
                                            "scale": scale, "mode": mode,
                                            "distribution": distribution, "seed": seed_box})
    controls = widgets.HBox([widgets.VBox([preset, fan_in, fan_out, seed_box]),
                             widgets.VBox([scale, mode, distribution])])
    return explorer_panel(widgets, [controls, out], "initializer explorer")


def activation_statistics(initializer, activation, layers=5, units=100, samples=1000, seed=0):
    """The activations of each layer of a stack of ``layers`` Dense(``units``) layers (no bias).

    Inputs are ``samples`` standard-normal vectors of length ``units`` (seeded); an unseeded
    random initializer draws each layer's kernel from one generator seeded with ``seed``.
    Returns a list of ``layers`` arrays of shape ``(samples, units)``.
    """
    from .. import layers as layers_mod

    if not isinstance(layers, (int, np.integer)) or layers < 1:
        raise ValueError(f"activation_statistics: layers must be a positive int, got {layers!r}")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((samples, units))
    base = inits.get(initializer)
    outputs = []
    for _ in range(int(layers)):
        init = _seeded(base, rng)
        dense = layers_mod.Dense(units, activation=activation, use_bias=False,
                                 kernel_initializer=init, dtype="float64")
        x = dense(x)
        outputs.append(np.asarray(x))
    return outputs


def plot_activation_histograms(initializer, activation, layers=5, units=100, samples=1000,
                               seed=0, bins=30, value_range=None, axes=None):
    """Histograms of each layer's activations in a stack of Dense layers (Deep Learning from Scratch).

    Args:
        initializer: a name, config or instance for every kernel (e.g. ``RandomNormal(stddev=1)``).
        activation: an activation name (``"sigmoid"``, ``"tanh"``, ``"relu"``).
        layers, units, samples: depth, width and number of input vectors.
        value_range: histogram range; default (0, 1) for sigmoid, (-1, 1) for tanh, otherwise
            the range of all activations.
        axes: ``layers`` matplotlib Axes to draw into (a new row of panels when ``None``).

    Returns the Figure. Each panel's title gives the standard deviation of that layer's output.
    """
    plt = _require("matplotlib.pyplot", feature="plot_activation_histograms")

    outputs = activation_statistics(initializer, activation, layers, units, samples, seed)
    if value_range is None:
        value_range = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}.get(
            activation if isinstance(activation, str) else "",
            (min(float(o.min()) for o in outputs), max(float(o.max()) for o in outputs) + 1e-12))
    if axes is None:
        fig, axes = plt.subplots(1, len(outputs), figsize=(2.6 * len(outputs), 2.6), sharey=True)
        axes = np.atleast_1d(axes)
    else:
        axes = np.atleast_1d(axes)
        fig = axes[0].figure
    init_name = initializer if isinstance(initializer, str) else repr(inits.get(initializer))
    for i, (ax, out) in enumerate(zip(axes, outputs)):
        ax.hist(out.ravel(), bins=bins, range=value_range, color="tab:blue")
        ax.set_title(f"layer {i + 1}: std {out.std():.3f}", fontsize=9)
        if i:
            ax.tick_params(labelleft=False)
    axes[0].set_ylabel("count")
    act_name = activation if isinstance(activation, str) else getattr(activation, "__name__", "")
    fig.suptitle(f"{act_name} activations, kernels from {init_name}", fontsize=10)
    fig.tight_layout()
    return fig
