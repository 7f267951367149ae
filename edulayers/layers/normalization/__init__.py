"""Normalization: BatchNormalization (training vs inference, moving statistics, axis).

(Being written: the family's modules are imported here and listed in ``__all__``.)
"""
__all__: list = []
