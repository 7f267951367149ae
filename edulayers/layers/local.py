"""Keras 2's module path ``keras.layers.local``: ``from edulayers.layers.local import LocallyConnected2D``.

The layers themselves live in the ``locally_connected`` family (its notebook and chapter).
"""
from .locally_connected import LocallyConnected1D, LocallyConnected2D

__all__ = ["LocallyConnected1D", "LocallyConnected2D"]
