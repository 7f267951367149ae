"""Advanced activations: LeakyReLU, PReLU, ELU, ThresholdedReLU, ReLU, Softmax, ParametricSoftplus, SReLU.

(Being written: the family's modules are imported here and listed in ``__all__``.)
"""
__all__: list = []
