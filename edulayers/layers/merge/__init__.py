"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot and the functions add, subtract, ...

(Being written: the family's modules are imported here and listed in ``__all__``.)
"""
__all__: list = []
