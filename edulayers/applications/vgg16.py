r"""VGG16 (Simonyan and Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
Recognition", ICLR 2015), as ``keras.applications.VGG16``: layer for layer, name for name.

Architecture, for the default 224 x 224 x 3 input (channels last)::

    block   layers                                       output          parameters
    -----   ------------------------------------------   -------------   -----------
    1       2 x Conv2D 64, 3x3, same, relu; MaxPool 2    112 x 112 x 64       38,720
    2       2 x Conv2D 128, 3x3, same, relu; MaxPool 2    56 x 56 x 128      221,440
    3       3 x Conv2D 256, 3x3, same, relu; MaxPool 2    28 x 28 x 256    1,475,328
    4       3 x Conv2D 512, 3x3, same, relu; MaxPool 2    14 x 14 x 512    5,899,776
    5       3 x Conv2D 512, 3x3, same, relu; MaxPool 2     7 x 7 x 512     7,079,424
    top     Flatten; Dense 4096 relu (fc1);                    25088
            Dense 4096 relu (fc2);                              4096  102,764,544 + 16,781,312
            Dense classes softmax (predictions)                 1000    4,097,000
                                                                         -----------
                                                             total       138,357,544

Only 3 x 3 convolutions with stride 1 and 'same' padding (the size is kept) and 2 x 2 max
pooling with stride 2 (the size is halved): the depth grows 64 -> 128 -> 256 -> 512 while the
image shrinks 224 -> 7. Two stacked 3 x 3 convolutions see a 5 x 5 window, three see 7 x 7,
with fewer weights and more non-linearities than one large kernel.

The parameter arithmetic of one convolution: a 3 x 3 kernel over ``c_in`` channels for each of
``c_out`` filters, plus a bias per filter, :math:`3 \cdot 3 \cdot c_{in} \cdot c_{out} + c_{out}`;
``block1_conv1`` has :math:`9 \cdot 3 \cdot 64 + 64 = 1{,}792`, ``block1_conv2``
:math:`9 \cdot 64 \cdot 64 + 64 = 36{,}928`: block 1 has 38,720. The 13 convolutions hold
14,714,688 parameters; the three dense layers hold the other 123,642,856 (89 %), fc1 alone
:math:`7 \cdot 7 \cdot 512 \cdot 4096 + 4096 = 102{,}764{,}544`.

Without the top (``include_top=False``) the network is fully convolutional and takes any image
of at least 32 x 32; ``pooling="avg"`` / ``"max"`` then ends it with a global pooling (a
``(batch, 512)`` feature vector). With the top, the flatten size depends on the input size,
so ``input_shape`` (when given) fixes fc1's size: 64 x 64 inputs give a 2 x 2 x 512 = 2048
flatten and fc1 has :math:`2048 \cdot 4096 + 4096` weights.

Input: images preprocessed with ``preprocess_input`` ('caffe' mode: BGR, ImageNet mean
subtracted, no scaling).
"""
from __future__ import annotations

from .. import backend, layers
from ..models import Model
from . import imagenet_utils
from .imagenet_utils import decode_predictions  # noqa: F401  (as keras.applications.vgg16)

__all__ = ["VGG16", "preprocess_input", "decode_predictions", "vgg_block"]

WEIGHTS_FILE = "vgg16_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_FILE_NO_TOP = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"


def vgg_block(x, filters: int, convs: int, block: int):
    """``convs`` 3 x 3 'same' convolutions with ReLU (``block{b}_conv{i}``), then a 2 x 2 max
    pooling with stride 2 (``block{b}_pool``): the depth becomes ``filters``, the size halves."""
    for i in range(1, convs + 1):
        x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                          name=f"block{block}_conv{i}")(x)
    return layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)


def VGG16(include_top=True, weights=None, input_tensor=None, input_shape=None,  # noqa: N802
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg16"):
    """The VGG16 network (the module docstring has the architecture), Keras' signature.

    Args:
        include_top: end with the three dense layers (Flatten, fc1, fc2, predictions).
        weights: ``None`` (random initialization) or the path of a Keras weight file (``.h5``,
            e.g. Keras' ``vgg16_weights_tf_dim_ordering_tf_kernels.h5``, or ``.weights.h5``);
            ``"imagenet"`` is refused: edulayers downloads nothing.
        input_tensor: an ``el.Input`` (or a tensor computed from one) to build the model on.
        input_shape: ``(rows, cols, 3)``; default ``(224, 224, 3)`` with the top, ``(None,
            None, 3)`` without; each side at least 32.
        pooling: without the top: ``None`` (the 4-D output of block 5), ``"avg"`` or ``"max"``.
        classes: the number of classes of the top.
        classifier_activation: the top's activation (``None`` for logits).
        name: the model's name.
    """
    imagenet_utils.check_weights(weights, WEIGHTS_FILE if include_top else WEIGHTS_FILE_NO_TOP)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)

    x = vgg_block(img_input, 64, 2, block=1)
    x = vgg_block(x, 128, 2, block=2)
    x = vgg_block(x, 256, 3, block=3)
    x = vgg_block(x, 512, 3, block=4)
    x = vgg_block(x, 512, 3, block=5)

    if include_top:
        x = layers.Flatten(data_format=backend.image_data_format(), name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)

    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), x, name=name)
    imagenet_utils.load_weights(model, weights)
    return model


def preprocess_input(x, data_format=None):
    """VGG16's preprocessing, 'caffe' mode: RGB -> BGR, then the ImageNet mean of each channel
    subtracted, no scaling (``imagenet_utils.preprocess_input``; float input changes in place)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")
