"""Advanced activations: activation functions as layers, some with learned parameters.

Weightless (elementwise unless noted): ``ReLU``, ``LeakyReLU``, ``ELU``, ``ThresholdedReLU``
(Keras 1/2) and ``Softmax`` (along an axis, with an optional mask). Learned: ``PReLU`` (one
slope), ``ParametricSoftplus`` (Keras 1: height and sharpness) and ``SReLU`` (Keras 1: two
knots and two slopes), each with one parameter per input entry unless ``shared_axes`` shares it.
The functions themselves live in ``el.activations``; these layers reuse them for the fast path
and write the definition out, entry by entry, in the reference path.
"""
from .elu import ELU
from .parametric_softplus import ParametricSoftplus
from .prelu import PReLU
from .relu import LeakyReLU, ReLU, ThresholdedReLU
from .softmax import Softmax
from .srelu import SReLU

__all__ = ["ReLU", "LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax", "ParametricSoftplus",
           "SReLU"]
