"""The embedding family: Embedding (mask_zero, input_length).

(Being written: the family's modules are imported here and listed in ``__all__``.)
"""
__all__: list = []
