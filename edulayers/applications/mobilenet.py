r"""MobileNet (Howard et al., "MobileNets: Efficient Convolutional Neural Networks for Mobile
Vision Applications", 2017), as ``keras.applications.MobileNet``: layer for layer, name for name.

The idea: split a 3 x 3 convolution from :math:`c_{in}` to :math:`c_{out}` channels
(:math:`9\,c_{in} c_{out}` weights) into a *depthwise* 3 x 3 convolution, one filter per input
channel (:math:`9\,c_{in}`), and a *pointwise* 1 x 1 convolution that mixes the channels
(:math:`c_{in} c_{out}`): :math:`1/c_{out} + 1/9` of the weights and of the multiply-adds,
about 8 to 9 times fewer.

Architecture, for the default 224 x 224 x 3 input, ``alpha=1`` and ``depth_multiplier=1``
(channels last)::

    layers                                                 output            parameters
    ----------------------------------------------------   ---------------   ----------
    conv1: Conv2D 32, 3x3, stride 2, same, no bias;        112 x 112 x 32          992
           BatchNorm; ReLU6
    block 1       depthwise separable, 64                  112 x 112 x 64        2,720
    block 2, 3    depthwise separable, 128 (2: stride 2)    56 x 56 x 128       28,096
    block 4, 5    depthwise separable, 256 (4: stride 2)    28 x 28 x 256      105,344
    block 6-11    depthwise separable, 512 (6: stride 2)    14 x 14 x 512    1,490,688
    block 12, 13  depthwise separable, 1024 (12: stride 2)   7 x 7 x 1024    1,601,024
    top   GlobalAveragePooling (keepdims) 1 x 1 x 1024;
          Dropout; Conv2D classes 1x1 (conv_preds);                 1000    1,025,000
          Reshape (reshape_2); softmax (predictions)
                                                                            ----------
                                                                   total     4,253,864

The depthwise separable block ``depthwise_conv_block`` (``block_id`` i, ``pointwise_conv_filters``
p)::

    [ZeroPadding ((0, 1), (0, 1)) (conv_pad_i), when the stride is 2]
    DepthwiseConv2D 3x3, stride s, no bias (conv_dw_i) -> BN (conv_dw_i_bn) -> ReLU6
    Conv2D int(p * alpha), 1x1, no bias    (conv_pw_i) -> BN (conv_pw_i_bn) -> ReLU6

ReLU6 is :math:`\min(\max(x, 0), 6)`. A strided block pads one row and column at the bottom
and right and uses 'valid' padding: for an even size that is what 'same' pads, written out.
The convolutions have no bias: the BatchNorm that follows has its own :math:`\beta`.

The parameter arithmetic of block 7 (512 -> 512): depthwise :math:`3 \cdot 3 \cdot 512 = 4{,}608`,
its BatchNorm :math:`4 \cdot 512 = 2{,}048`, pointwise :math:`512 \cdot 512 = 262{,}144`, its
BatchNorm 2,048: 270,848 in all, where one 3 x 3 convolution would have
:math:`9 \cdot 512 \cdot 512 = 2{,}359{,}296`. Of the 4,253,864 parameters 21,888 (the moving
statistics) are not trainable.

``alpha`` (the width multiplier) scales every layer's number of filters, ``int(filters *
alpha)``: the parameters shrink roughly as :math:`\alpha^2`. ``depth_multiplier`` is the number
of depthwise filters per input channel (the resolution multiplier of the paper is simply the
input size). ``dropout`` is the rate of the Dropout before the classifier. The default model
name records alpha and the input size: ``mobilenet_1.00_224``.

Input: images preprocessed with ``preprocess_input`` ('tf' mode: :math:`x/127.5 - 1`, values in
[-1, 1]).
"""
from __future__ import annotations

from .. import backend, layers
from ..models import Model
from . import imagenet_utils
from .imagenet_utils import decode_predictions  # noqa: F401  (as keras.applications.mobilenet)

__all__ = ["MobileNet", "preprocess_input", "decode_predictions", "conv_block",
           "depthwise_conv_block"]

_ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}


def conv_block(inputs, filters: int, alpha: float, kernel=(3, 3), strides=(1, 1)):
    """The first layer: Conv2D ``int(filters * alpha)`` (``conv1``, 'same', no bias), BatchNorm
    (``conv1_bn``), ReLU6 (``conv1_relu``)."""
    filters = int(filters * alpha)
    x = layers.Conv2D(filters, kernel, padding="same", use_bias=False, strides=strides,
                      name="conv1")(inputs)
    x = layers.BatchNormalization(axis=imagenet_utils.bn_axis(), name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def depthwise_conv_block(inputs, pointwise_conv_filters: int, alpha: float, depth_multiplier=1,
                         strides=(1, 1), block_id=1):
    """A depthwise separable block (module docstring): depthwise 3x3, BN, ReLU6, pointwise 1x1
    to ``int(pointwise_conv_filters * alpha)`` channels, BN, ReLU6."""
    axis = imagenet_utils.bn_axis()
    pointwise_conv_filters = int(pointwise_conv_filters * alpha)
    strided = tuple(strides) != (1, 1)
    x = inputs
    if strided:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="valid" if strided else "same",
                               depth_multiplier=depth_multiplier, strides=strides,
                               use_bias=False, name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(pointwise_conv_filters, (1, 1), padding="same", use_bias=False,
                      strides=(1, 1), name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3,  # noqa: N802
              include_top=True, weights=None, input_tensor=None, pooling=None, classes=1000,
              classifier_activation="softmax", name=None):
    """The MobileNet network (the module docstring has the architecture), Keras' signature.

    Args:
        input_shape: ``(rows, cols, 3)``; default ``(224, 224, 3)`` with the top, ``(None,
            None, 3)`` without; each side at least 32.
        alpha: the width multiplier (0.25, 0.5, 0.75, 1.0 have published weights).
        depth_multiplier: depthwise filters per input channel.
        dropout: the dropout rate before the classifier.
        include_top: end with global pooling, dropout and the 1x1 convolution classifier.
        weights: ``None`` (random initialization) or the path of a Keras weight file (``.h5``,
            e.g. Keras' ``mobilenet_1_0_224_tf.h5``, or ``.weights.h5``); ``"imagenet"`` is
            refused: edulayers downloads nothing.
        input_tensor: an ``el.Input`` (or a tensor computed from one) to build the model on.
        pooling: without the top: ``None`` (the 4-D output of block 13), ``"avg"`` or ``"max"``.
        classes: the number of classes of the top.
        classifier_activation: the top's activation (``None`` for logits).
        name: the model's name; default ``mobilenet_{alpha:0.2f}_{rows}``.
    """
    data_format = backend.image_data_format()
    if input_shape is None:
        default_size = 224
    else:
        rows, cols = (input_shape[1], input_shape[2]) if data_format == "channels_first" \
            else (input_shape[0], input_shape[1])
        default_size = rows if rows == cols and rows in (128, 160, 192, 224) else 224
    alpha_text = _ALPHA_TEXT.get(alpha, "1_0")
    imagenet_utils.check_weights(
        weights, f"mobilenet_{alpha_text}_{default_size}_tf{'' if include_top else '_no_top'}.h5")
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32, data_format=data_format,
        require_flatten=include_top, weights=weights)
    rows = input_shape[1] if data_format == "channels_first" else input_shape[0]
    img_input = imagenet_utils.image_input(input_tensor, input_shape)

    x = conv_block(img_input, 32, alpha, strides=(2, 2))
    x = depthwise_conv_block(x, 64, alpha, depth_multiplier, block_id=1)
    x = depthwise_conv_block(x, 128, alpha, depth_multiplier, strides=(2, 2), block_id=2)
    x = depthwise_conv_block(x, 128, alpha, depth_multiplier, block_id=3)
    x = depthwise_conv_block(x, 256, alpha, depth_multiplier, strides=(2, 2), block_id=4)
    x = depthwise_conv_block(x, 256, alpha, depth_multiplier, block_id=5)
    x = depthwise_conv_block(x, 512, alpha, depth_multiplier, strides=(2, 2), block_id=6)
    for block_id in range(7, 12):
        x = depthwise_conv_block(x, 512, alpha, depth_multiplier, block_id=block_id)
    x = depthwise_conv_block(x, 1024, alpha, depth_multiplier, strides=(2, 2), block_id=12)
    x = depthwise_conv_block(x, 1024, alpha, depth_multiplier, block_id=13)

    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)

    if name is None:
        name = f"mobilenet_{alpha:0.2f}_{rows}"
    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), x, name=name)
    imagenet_utils.load_weights(model, weights)
    return model


def preprocess_input(x, data_format=None):
    """MobileNet's preprocessing, 'tf' mode: :math:`x / 127.5 - 1`, values in [-1, 1]
    (``imagenet_utils.preprocess_input``; float input changes in place)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")
