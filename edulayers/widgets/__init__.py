"""ipywidgets explorers (needs the ``notebooks`` extra: matplotlib and ipywidgets).

* ``activation_explorer()``: an activation and its derivative, with parameter sliders.
* ``initializer_explorer()``: a histogram of drawn weights with the theoretical density.
* ``draw_graph(ax, nodes, edges)``: a computational graph with the local derivatives on its arrows.

Each module also has a static figure function for readers without a kernel (the book).
Functions that draw import matplotlib (and ipywidgets) when called; without them they raise an
ImportError that says what to install: ``pip install 'edulayers[notebooks]'``.
"""
import importlib

INSTALL = "pip install 'edulayers[notebooks]'"


def _require(*modules, feature):
    """The ``modules`` that ``feature`` needs, imported (one module, or a tuple of them).

    A missing one is an ImportError naming the feature, the package and the command to run.
    """
    found = []
    for module in modules:
        package = module.split(".")[0]
        try:
            found.append(importlib.import_module(module))
        except ModuleNotFoundError as err:
            if err.name is not None and err.name.split(".")[0] != package:
                raise                       # something else is missing, inside the package
            raise ImportError(f"el.widgets.{feature} needs {package}, which is not installed: "
                              f"run {INSTALL} (the notebooks extra: matplotlib and ipywidgets)",
                              name=package) from err
    return found[0] if len(found) == 1 else tuple(found)


def explorer_panel(W, children, what: str):
    """An ``ipywidgets.VBox`` of ``children`` whose plain-text form is a sentence, not a widget dump.

    A notebook opened before it runs (or a page without a kernel) shows an output's text form;
    for a VBox that is ``VBox(children=(Dropdown(...``. This panel says what it is instead.
    """
    class ExplorerPanel(W.VBox):
        def __repr__(self):
            return (f"[{what}: interactive controls, live when this notebook runs in Jupyter "
                    "(run the cell); the static figure above shows its starting view]")

    return ExplorerPanel(children)


def __getattr__(name):
    # imported on first use, so that ``import edulayers`` never needs ipywidgets
    if name in ("activation_explorer", "plot_activation", "plot_activations"):
        from . import activations
        return getattr(activations, name)
    if name in ("initializer_explorer", "plot_initializer", "plot_initializers",
                "plot_activation_histograms", "activation_statistics", "theoretical_density"):
        from . import initializers
        return getattr(initializers, name)
    if name == "draw_graph":
        from . import figures
        return figures.draw_graph
    raise AttributeError(f"module 'edulayers.widgets' has no attribute {name!r}")
