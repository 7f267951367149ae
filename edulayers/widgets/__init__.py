"""ipywidgets explorers (needs the ``notebooks`` extra: matplotlib and ipywidgets).

* ``activation_explorer()``: an activation and its derivative, with parameter sliders.
* ``initializer_explorer()``: a histogram of drawn weights with the theoretical density.

Each module also has a static figure function for readers without a kernel (the book).
"""


def __getattr__(name):
    # imported on first use, so that ``import edulayers`` never needs ipywidgets
    if name in ("activation_explorer", "plot_activation", "plot_activations"):
        from . import activations
        return getattr(activations, name)
    if name in ("initializer_explorer", "plot_initializer", "plot_initializers",
                "plot_activation_histograms", "activation_statistics", "theoretical_density"):
        from . import initializers
        return getattr(initializers, name)
    raise AttributeError(f"module 'edulayers.widgets' has no attribute {name!r}")
