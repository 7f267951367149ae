"""The convolutional family: Conv1D/2D/3D, SeparableConv1D/2D, DepthwiseConv2D,
Conv1D/2D/3DTranspose, Cropping, UpSampling, ZeroPadding, and the Keras 1 names."""
from .conv import *  # noqa: F401,F403
from .conv_transpose import *  # noqa: F401,F403
from .separable import *  # noqa: F401,F403
from .depthwise import *  # noqa: F401,F403
from .cropping import *  # noqa: F401,F403
from .upsampling import *  # noqa: F401,F403
from .zero_padding import *  # noqa: F401,F403
from . import conv, conv_transpose, separable, depthwise, cropping, upsampling, zero_padding

__all__ = [name for module in (conv, conv_transpose, separable, depthwise, cropping, upsampling, zero_padding,) for name in module.__all__]
