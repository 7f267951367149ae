r"""ResNet50 (He, Zhang, Ren and Sun, "Deep Residual Learning for Image Recognition", CVPR
2016), as ``keras.applications.ResNet50``: layer for layer, name for name.

A residual block learns a correction :math:`F(x)` to its input instead of a whole new map:
:math:`y = \mathrm{relu}(F(x) + s(x))`, where the shortcut :math:`s` is the identity, or a
1 x 1 convolution when the shape changes. Gradients flow back through the addition unchanged,
which is what lets 50 layers train.

Architecture, for the default 224 x 224 x 3 input (channels last)::

    stage   layers                                            output           parameters
    -----   -----------------------------------------------   --------------   ----------
    conv1   ZeroPadding 3; Conv2D 64, 7x7, stride 2;          112 x 112 x 64        9,728
            BatchNorm; relu
    pool1   ZeroPadding 1; MaxPool 3x3, stride 2               56 x 56 x 64             0
    conv2   3 bottleneck blocks, filters 64  (stride 1)        56 x 56 x 256      220,032
    conv3   4 bottleneck blocks, filters 128 (stride 2)        28 x 28 x 512    1,230,336
    conv4   6 bottleneck blocks, filters 256 (stride 2)       14 x 14 x 1024    7,129,088
    conv5   3 bottleneck blocks, filters 512 (stride 2)        7 x 7 x 2048    14,998,528
    top     GlobalAveragePooling (avg_pool);                            2048
            Dense classes softmax (predictions)                         1000    2,049,000
                                                                               ----------
                                                                    total      25,636,712

1 (conv1) + 3 x 16 (the blocks' convolutions) + 1 (predictions) = 50 weighted layers; the
four 1 x 1 shortcut convolutions are not counted in the name.

The bottleneck block (``residual_block``, Keras' ``residual_block_v1``) of ``filters`` f::

    x -> Conv2D f, 1x1, stride s (_1_conv) -> BN -> relu         squeeze the depth to f
      -> Conv2D f, 3x3, same     (_2_conv) -> BN -> relu         the spatial 3 x 3 work
      -> Conv2D 4f, 1x1          (_3_conv) -> BN                 expand to 4f
      -> add with the shortcut (_add) -> relu (_out)
    shortcut: Conv2D 4f, 1x1, stride s (_0_conv) -> BN, in the first block of a stage
              (the depth changes, and the size when s = 2); x itself in the others

Every convolution has a bias (Keras' ResNet50 keeps ``use_bias=True`` before its BatchNorms)
and every BatchNormalization has ``epsilon=1.001e-5`` (not Keras' default 1e-3).

The parameter arithmetic of block ``conv2_block1`` (64 channels in, f = 64, 256 out): a
:math:`k \times k` convolution has :math:`k^2 c_{in} c_{out} + c_{out}` parameters, a
BatchNorm :math:`4c` (:math:`\gamma, \beta` trained; the moving mean and variance not)::

    _0_conv  1*1*64*256 + 256 = 16,640     _0_bn  4*256 = 1,024
    _1_conv  1*1*64*64  +  64 =  4,160     _1_bn  4*64  =   256
    _2_conv  3*3*64*64  +  64 = 36,928     _2_bn  4*64  =   256
    _3_conv  1*1*64*256 + 256 = 16,640     _3_bn  4*256 = 1,024      block: 76,928

The identity blocks ``conv2_block2`` and ``conv2_block3`` (256 in) have no ``_0`` layers and a
larger first convolution, :math:`256 \cdot 64 + 64 = 16{,}448`: 71,552 each. The 1 x 1
squeeze makes the 3 x 3 convolution work on f channels instead of 4f: 16 times fewer weights
than a 3 x 3 convolution from 4f to 4f. Of the 25,636,712 parameters, 53,120 (the moving
statistics) are not trainable.

Input: images preprocessed with ``preprocess_input`` ('caffe' mode: BGR, ImageNet mean
subtracted, no scaling).
"""
from __future__ import annotations

from .. import backend, layers
from ..models import Model
from . import imagenet_utils
from .imagenet_utils import decode_predictions  # noqa: F401  (as keras.applications.resnet50)

__all__ = ["ResNet50", "preprocess_input", "decode_predictions", "residual_block", "stack"]

WEIGHTS_FILE = "resnet50_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_FILE_NO_TOP = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
#: The BatchNormalization epsilon of Keras' ResNets (the original Caffe models used 1e-5).
BN_EPSILON = 1.001e-5


def residual_block(x, filters: int, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """The bottleneck block (module docstring): 1x1 f, 3x3 f, 1x1 4f, plus the shortcut.

    Args:
        x: the input tensor.
        filters: f, the depth inside the block; the output has 4f channels.
        kernel_size: the middle convolution's kernel.
        stride: the stride of the first 1x1 convolution and of the shortcut convolution.
        conv_shortcut: a 1x1 convolution with BatchNorm on the shortcut (True) or the identity.
        name: the block's prefix, e.g. ``conv2_block1``.
    """
    axis = imagenet_utils.bn_axis()
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = layers.BatchNormalization(axis=axis, epsilon=BN_EPSILON,
                                             name=f"{name}_0_bn")(shortcut)
    else:
        shortcut = x

    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=BN_EPSILON, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)

    x = layers.Conv2D(filters, kernel_size, padding="same", name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=BN_EPSILON, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)

    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=BN_EPSILON, name=f"{name}_3_bn")(x)

    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack(x, filters: int, blocks: int, stride1=2, name=None):
    """One stage: a block with a convolution shortcut (stride ``stride1``), then ``blocks - 1``
    identity blocks; named ``{name}_block1`` ... ``{name}_block{blocks}``."""
    x = residual_block(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def ResNet50(include_top=True, weights=None, input_tensor=None, input_shape=None,  # noqa: N802
             pooling=None, classes=1000, classifier_activation="softmax", name="resnet50"):
    """The ResNet50 network (the module docstring has the architecture), Keras' signature.

    Args:
        include_top: end with global average pooling (``avg_pool``) and the dense classifier.
        weights: ``None`` (random initialization) or the path of a Keras weight file (``.h5``,
            e.g. Keras' ``resnet50_weights_tf_dim_ordering_tf_kernels.h5``, or ``.weights.h5``);
            ``"imagenet"`` is refused: edulayers downloads nothing.
        input_tensor: an ``el.Input`` (or a tensor computed from one) to build the model on.
        input_shape: ``(rows, cols, 3)``; default ``(224, 224, 3)`` with the top, ``(None,
            None, 3)`` without; each side at least 32.
        pooling: without the top: ``None`` (the 4-D output of conv5), ``"avg"`` (``avg_pool``)
            or ``"max"`` (``max_pool``).
        classes: the number of classes of the top.
        classifier_activation: the top's activation (``None`` for logits).
        name: the model's name.
    """
    imagenet_utils.check_weights(weights, WEIGHTS_FILE if include_top else WEIGHTS_FILE_NO_TOP)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    axis = imagenet_utils.bn_axis()

    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=BN_EPSILON, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)

    x = stack(x, 64, 3, stride1=1, name="conv2")
    x = stack(x, 128, 4, name="conv3")
    x = stack(x, 256, 6, name="conv4")
    x = stack(x, 512, 3, name="conv5")

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)

    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), x, name=name)
    imagenet_utils.load_weights(model, weights)
    return model


def preprocess_input(x, data_format=None):
    """ResNet50's preprocessing, 'caffe' mode: RGB -> BGR, then the ImageNet mean of each
    channel subtracted, no scaling (``imagenet_utils.preprocess_input``; float input changes in
    place)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")
