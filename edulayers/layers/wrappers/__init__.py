"""Wrappers: TimeDistributed, Bidirectional (merge modes).

(Being written: the family's modules are imported here and listed in ``__all__``.)
"""
__all__: list = []
