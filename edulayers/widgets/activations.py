r"""Figures of activations and their derivatives, and an interactive explorer.

* ``plot_activation("elu", alpha=0.5)``: :math:`f(x)` and :math:`f'(x)` on one axes.
* ``plot_activations(["sigmoid", "tanh", "relu"])``: a grid of such panels (static, for the book).
* ``activation_explorer("leaky_relu")``: a dropdown of every activation, a slider for each of
  its numeric parameters (``negative_slope`` of leaky_relu, ``alpha`` of elu, ...) and for the
  x-range; the figure is redrawn on every change.

Activations that mix entries are drawn along a one-dimensional slice, stated in the legend:
softmax, log_softmax and sparsemax of the two scores :math:`(x, 0)` (first output; softmax
then is the sigmoid, sparsemax the sparse_sigmoid), and glu of :math:`(x, x)`, which is
:math:`x\,\sigma(x)`. Their "derivative" is the derivative along that slice, computed with
``backward`` (the vector-Jacobian product), so the picture also checks it.

matplotlib and ipywidgets are imported inside the functions: ``curve()`` works without them
(the others say what to install when they are missing).
"""
from __future__ import annotations

import numpy as np

from .. import activations as _activations
from . import _require, explorer_panel

__all__ = ["curve", "plot_activation", "plot_activations", "activation_explorer", "canonical_names"]

# slider ranges (min, max, step) by (activation, parameter), then by parameter
_RANGES = {
    ("relu", "threshold"): (-2.0, 2.0, 0.1),
    ("threshold", "threshold"): (-3.0, 3.0, 0.1),
    ("soft_shrink", "threshold"): (0.0, 2.0, 0.05),
    ("hard_shrink", "threshold"): (0.0, 2.0, 0.05),
    "negative_slope": (0.0, 1.0, 0.01),
    "alpha": (0.05, 3.0, 0.05),
    "max_value": (0.5, 10.0, 0.5),
    "default_value": (-3.0, 3.0, 0.1),
    "b": (0.0, 10.0, 0.1),
    "slope": (0.05, 1.0, 0.01),
}
_SLICED = {"softmax": "of (x, 0), first output", "log_softmax": "of (x, 0), first output",
           "sparsemax": "of (x, 0), first output", "glu": "of (x, x) = x·σ(x)"}


def canonical_names():
    """Every activation once (aliases such as swish and hard_swish left out), sorted."""
    return sorted(n for n, act in _activations.ALL.items() if act.name == n)


def _plot_params(act, params):
    """The parameters a 1-D plot uses: examples for required ones, and never ``axis``."""
    merged = {**act.example_params, **params}
    merged.pop("axis", None)
    return merged


def curve(name, x, **params):
    """``(f(x), f'(x))`` along the 1-D array ``x`` (along a slice for activations that mix entries)."""
    act = _activations.get(name)
    p = _plot_params(act, params)
    x = np.asarray(x, dtype=np.float64)
    if act.elementwise:
        y = act(x, **p)
        return y, act.derivative(x, y, **p)
    if act.name == "glu":
        pair = np.stack([x, x], axis=-1)             # a = b = x: glu gives x * sigmoid(x)
        y = act(pair, **p)
        dpair = act.backward(pair, y, np.ones_like(y), **p)
        return y[:, 0], dpair.sum(axis=-1)           # both halves move with x
    pair = np.stack([x, np.zeros_like(x)], axis=-1)  # scores (x, 0)
    y = act(pair, **p)
    dy = np.zeros_like(y)
    dy[:, 0] = 1.0                                   # d y_0 / d x_0 = (J^T e_0)_0
    return y[:, 0], act.backward(pair, y, dy, **p)[:, 0]


def _describe(act, params):
    shown = {k: v for k, v in params.items() if v != act.defaults.get(k) and k != "axis"}
    return act.name + ("(" + ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                                        for k, v in shown.items()) + ")" if shown else "")


def plot_activation(name, ax=None, xlim=(-5.0, 5.0), num=801, derivative=True, **params):
    """Draw :math:`f(x)` (solid) and :math:`f'(x)` (dashed) of one activation; returns the axes."""
    plt = _require("matplotlib.pyplot", feature="plot_activation")

    act = _activations.get(name)
    p = _plot_params(act, params)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.2))
    x = np.linspace(xlim[0], xlim[1], num)
    y, dydx = curve(act, x, **p)
    where = f" {_SLICED[act.name]}" if act.name in _SLICED else ""
    ax.plot(x, y, color="C0", lw=2, label=f"f(x){where}")
    if derivative:
        ax.plot(x, dydx, color="C1", lw=1.6, ls="--", label="f'(x)")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axvline(0, color="0.6", lw=0.8)
    # keep fast-growing curves (exponential) from flattening everything else
    span = max(abs(xlim[0]), abs(xlim[1]))
    values = np.concatenate([y, dydx]) if derivative else y
    values = values[np.isfinite(values)]
    top = min(values.max(), span + 1.0)
    bottom = max(values.min(), -span - 1.0)
    pad = 0.08 * max(top - bottom, 1.0)
    ax.set_ylim(bottom - pad, top + pad)
    ax.set_xlim(*xlim)
    ax.set_title(_describe(act, {k: v for k, v in p.items()}), fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return ax


def plot_activations(names=None, ncols=4, xlim=(-5.0, 5.0), params=None, panel_size=(3.3, 2.5),
                     derivative=True):
    """A grid of ``plot_activation`` panels (all activations by default); returns the figure.

    ``params`` maps a name to its parameters: ``{"elu": {"alpha": 0.5}}``.
    """
    plt = _require("matplotlib.pyplot", feature="plot_activations")

    names = canonical_names() if names is None else list(names)
    params = params or {}
    nrows = -(-len(names) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_size[0] * ncols, panel_size[1] * nrows),
                             squeeze=False)
    for ax, name in zip(axes.flat, names):
        plot_activation(name, ax=ax, xlim=xlim, derivative=derivative, **params.get(name, {}))
    for ax in axes.flat[len(names):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def _slider_range(act_name, param, value):
    lo, hi, step = _RANGES.get((act_name, param)) or _RANGES.get(param) or (value - 3.0, value + 3.0, 0.1)
    return min(lo, value), max(hi, value), step


def activation_explorer(name="leaky_relu", xlim=(-5.0, 5.0)):
    """An ipywidgets panel: pick an activation, move its parameter sliders, see f and f'.

    Returns the widget (display it, or leave it as the last expression of a cell). Its
    ``controls`` dict holds the current parameter widgets and ``redraw()`` redraws.
    """
    W, plt = _require("ipywidgets", "matplotlib.pyplot", feature="activation_explorer")

    # labels as wide as their text and sliders wide enough for their readouts ("negative_slope")
    style, wide = {"description_width": "initial"}, W.Layout(width="480px")
    dropdown = W.Dropdown(options=canonical_names(), value=_activations.get(name).name,
                          description="activation", style=style)
    x_range = W.FloatRangeSlider(value=tuple(xlim), min=-10.0, max=10.0, step=0.5,
                                 description="x range", continuous_update=False, style=style,
                                 layout=wide)
    show_derivative = W.Checkbox(value=True, description="show f'(x)")
    param_box = W.VBox()
    out = W.Output()
    panel = explorer_panel(W, [dropdown, param_box, x_range, show_derivative, out], "activation explorer")
    panel.controls = {}

    def current_params():
        params = {}
        for key, widget in panel.controls.items():
            if key.endswith(":on"):
                continue
            if f"{key}:on" in panel.controls and not panel.controls[f"{key}:on"].value:
                params[key] = None                       # max_value unset
            else:
                params[key] = widget.value
        return params

    def redraw(*_):
        with out:
            out.clear_output(wait=True)
            low, high = x_range.value
            if high - low <= 0:                  # both handles on one point: nothing to plot
                print(f"The x range is the single point {low:g}: drag the handles apart.")
                return
            fig, ax = plt.subplots(figsize=(6, 4))
            plot_activation(dropdown.value, ax=ax, xlim=x_range.value,
                            derivative=show_derivative.value, **current_params())
            plt.show()

    def build_controls(*_):
        act = _activations.get(dropdown.value)
        panel.controls = {}
        rows = []
        for param, value in _plot_params(act, {}).items():
            if isinstance(value, bool):
                widget = W.Checkbox(value=value, description=param)
            elif value is None:                          # optional cap (relu's max_value)
                lo, hi, step = _slider_range(act.name, param, 6.0)
                widget = W.FloatSlider(value=6.0, min=lo, max=hi, step=step, description=param,
                                       continuous_update=False, style=style, layout=wide)
                toggle = W.Checkbox(value=False, description=f"use {param}")
                panel.controls[f"{param}:on"] = toggle
                toggle.observe(redraw, names="value")
                rows.append(toggle)
            else:
                lo, hi, step = _slider_range(act.name, param, float(value))
                widget = W.FloatSlider(value=float(value), min=lo, max=hi, step=step,
                                       description=param, continuous_update=False, style=style,
                                       layout=wide)
            panel.controls[param] = widget
            widget.observe(redraw, names="value")
            rows.append(widget)
        if not rows:
            rows.append(W.HTML(f"<i>{act.name} has no numeric parameters</i>"))
        param_box.children = tuple(rows)
        redraw()

    dropdown.observe(build_controls, names="value")
    x_range.observe(redraw, names="value")
    show_derivative.observe(redraw, names="value")
    panel.redraw = redraw
    panel.current_params = current_params
    build_controls()
    return panel
