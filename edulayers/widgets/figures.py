"""Static teaching figures: computational graphs with the local derivative on each arrow.

``draw_graph(ax, nodes, edges)`` draws a forward computation as boxes and arrows; the label on the
arrow ``a -> b`` is the local derivative d b / d a. Backpropagation is then read off right to left:
the gradient reaching a node is the sum, over its outgoing arrows, of (gradient at the arrow's end)
x (the arrow's label).
"""
import numpy as np

from . import _require


def draw_graph(ax, nodes: dict, edges: list, color: str = "tab:red", label_offset: float = 0.2):
    """Draw a computational graph on the matplotlib axes ``ax``.

    ``nodes`` maps a name to ``(x, y, label)`` (label in matplotlib's TeX subset, e.g. ``"$x_i$"``);
    ``edges`` is a list of ``(source, destination, local_derivative_label)``.
    """
    patches = _require("matplotlib.patches", feature="draw_graph")
    for name, spec in nodes.items():
        if len(spec) != 3:
            raise ValueError(f"draw_graph: node {name!r} should be (x, y, label); received {spec!r}")
        x, y, label = spec
        ax.text(x, y, label, ha="center", va="center", fontsize=13, zorder=3,
                bbox=dict(boxstyle="round,pad=0.35", fc="white", ec="0.3"))
    for source, destination, note in edges:
        for end in (source, destination):
            if end not in nodes:
                raise ValueError(f"draw_graph: edge ({source!r}, {destination!r}) names {end!r}, "
                                 f"which is not a node; nodes: {', '.join(nodes)}")
        (x0, y0, _), (x1, y1, _) = nodes[source], nodes[destination]
        ax.add_patch(patches.FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=14,
                                             shrinkA=17, shrinkB=17, color="0.4", zorder=1))
        normal = np.array([-(y1 - y0), x1 - x0]) / np.hypot(x1 - x0, y1 - y0)
        if normal[1] < 0 or (normal[1] == 0 and normal[0] > 0):
            normal = -normal                        # each label above (or left of) its arrow
        ax.text((x0 + x1) / 2 + label_offset * normal[0], (y0 + y1) / 2 + label_offset * normal[1], note,
                ha="center", va="center", fontsize=11, color=color, zorder=2)
    xs, ys = [p[0] for p in nodes.values()], [p[1] for p in nodes.values()]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
    ax.set_axis_off()
    return ax
