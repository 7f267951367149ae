"""The recurrent family: SimpleRNN, GRU, LSTM, their cells, and the RNN base a student can subclass.

(Being written: the family's modules are imported here and listed in ``__all__``.)
"""
__all__: list = []
