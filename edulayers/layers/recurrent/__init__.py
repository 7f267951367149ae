"""The recurrent family: SimpleRNN, GRU, LSTM, their cells, and the RNN base a student can subclass.

``RNNCell`` (subclass it to write a cell: see ``base_rnn``) is importable from here; it is not in
``__all__`` because it is an abstract base, not a layer to use as it is.
"""
from .base_rnn import *  # noqa: F401,F403
from .base_rnn import RNNCell  # noqa: F401
from .simple_rnn import *  # noqa: F401,F403
from .lstm import *  # noqa: F401,F403
from .gru import *  # noqa: F401,F403
from . import base_rnn, simple_rnn, lstm, gru

__all__ = [name for module in (base_rnn, simple_rnn, lstm, gru) for name in module.__all__]
