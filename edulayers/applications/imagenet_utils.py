r"""What the ImageNet models share: input preprocessing, decoding predictions, the input shape.

``preprocess_input(x, mode=...)`` turns images with values in [0, 255] into what a network saw
in training. The mode belongs to the *weights*, not to the architecture:

=======  ===============================================================  =====================
mode     what it does (per pixel, channels last)                          used by
=======  ===============================================================  =====================
caffe    RGB -> BGR, then subtract the ImageNet mean of each channel,     VGG16, ResNet50
         ``(B, G, R) - (103.939, 116.779, 123.68)``; no scaling
tf       :math:`x / 127.5 - 1`: values in [-1, 1]                         MobileNet
torch    :math:`(x / 255 - \mu) / \sigma` per channel, RGB order,         (DenseNet, ...)
         :math:`\mu = (0.485, 0.456, 0.406)`, :math:`\sigma = (0.229, 0.224, 0.225)`
=======  ===============================================================  =====================

As in Keras, a float array is preprocessed *in place* (the result shares memory with the
input, and for 'caffe' the channels of the returned array are the input's, reversed); an
integer array is first cast to ``el.floatx()``. Pass ``np.copy(x)`` to keep the original.

``decode_predictions(preds, top=5)`` turns a ``(batch, 1000)`` array of class scores into, for
each sample, the ``top`` classes as Keras' tuples ``(class_name, description, score)``, e.g.
``("n01443537", "goldfish", 0.93)``: the WordNet id of the class, its short name, the score.
Keras downloads the class index on first use; edulayers ships it (``data/``, see its README:
the same 1000 ids and names in the same order, byte for byte Keras' file).

``obtain_input_shape`` is Keras' rule for the input shape of an application: the default
``(224, 224, 3)`` when the top (the classifier) is included and no shape is given,
``(None, None, 3)`` (any image size) without the top, at least ``min_size`` pixels a side.
"""
from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np

from .. import activations, backend
from ..symbolic import Input, SymbolicTensor

__all__ = ["preprocess_input", "decode_predictions", "obtain_input_shape", "CAFFE_MEAN",
           "TORCH_MEAN", "TORCH_STD", "CLASS_INDEX_PATH", "KERAS_CLASS_INDEX_MD5"]

#: ImageNet mean of the training images per channel, in BGR order (the 'caffe' mode).
CAFFE_MEAN = (103.939, 116.779, 123.68)
TORCH_MEAN = (0.485, 0.456, 0.406)
TORCH_STD = (0.229, 0.224, 0.225)
#: The class index shipped with the package: ``{"0": ["n01440764", "tench"], ...}``.
CLASS_INDEX_PATH = Path(__file__).resolve().parent / "data" / "imagenet_class_index.json"
#: The MD5 that Keras checks for its downloaded ``imagenet_class_index.json``; the shipped file
#: has the same bytes.
KERAS_CLASS_INDEX_MD5 = "c2c37ea517e94d9795004a39431a14cb"
_MODES = ("caffe", "tf", "torch")
_class_index = None


def _data_format(data_format):
    if data_format is None:
        return backend.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("Expected data_format to be one of `channels_first` or `channels_last`. "
                         f"Received: data_format={data_format}")
    return data_format


def preprocess_input(x, data_format=None, mode="caffe"):
    """Preprocess a batch of images (or one image) with values in [0, 255], as Keras does.

    Args:
        x: a NumPy array, 3-D (one image) or 4-D (a batch), with 3 color channels in RGB order.
            A float array is changed in place (see the module docstring).
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``el.backend.image_data_format()``.
        mode: ``"caffe"``, ``"tf"`` or ``"torch"`` (the table in the module docstring).

    Returns:
        the preprocessed array (float; an integer input becomes ``el.floatx()``).
    """
    if mode not in _MODES:
        raise ValueError("Expected mode to be one of `caffe`, `tf` or `torch`. "
                         f"Received: mode={mode}")
    data_format = _data_format(data_format)
    x = np.asarray(x)
    if not issubclass(x.dtype.type, np.floating):
        x = x.astype(backend.floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
        mean, std = TORCH_MEAN, TORCH_STD
    else:
        if data_format == "channels_first":
            x = x[::-1, ...] if x.ndim == 3 else x[:, ::-1, ...]   # RGB -> BGR: a reversed view
        else:
            x = x[..., ::-1]
        mean, std = CAFFE_MEAN, None
    for c in range(3):
        if data_format == "channels_first":
            channel = (c, Ellipsis) if x.ndim == 3 else (slice(None), c, Ellipsis)
        else:
            channel = (Ellipsis, c)
        x[channel] -= mean[c]
        if std is not None:
            x[channel] /= std[c]
    return x


def load_class_index() -> dict:
    """The shipped ImageNet class index, ``{"0": ["n01440764", "tench"], ..., "999": [...]}``."""
    global _class_index
    if _class_index is None:
        with open(CLASS_INDEX_PATH, encoding="utf-8") as f:
            _class_index = json.load(f)
    return _class_index


def decode_predictions(preds, top=5):
    """The ``top`` classes of each prediction: a list (one per sample) of lists of tuples
    ``(class_name, description, score)``, best first, as Keras' ``decode_predictions``.

    Args:
        preds: a ``(samples, 1000)`` array of class scores (probabilities or logits).
        top: how many classes to return per sample.
    """
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D array "
                         f"of shape (samples, 1000)). Received array with shape: {preds.shape}")
    index = load_class_index()
    results = []
    for pred in preds:
        top_indices = pred.argsort()[-top:][::-1]
        result = [tuple(index[str(i)]) + (pred[i],) for i in top_indices]
        result.sort(key=lambda t: t[2], reverse=True)
        results.append(result)
    return results


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten,
                       weights=None):
    """Keras' input shape of an application (its ``imagenet_utils.obtain_input_shape``).

    Without ``input_shape``: ``(default_size, default_size, 3)`` when ``require_flatten`` (the
    top is included: the classifier needs a fixed size), else ``(None, None, 3)``. A given shape
    must have 3 entries, each side at least ``min_size``; 1 or 3 channels are expected (a
    warning otherwise).
    """
    channels_first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        if channels not in {1, 3}:
            warnings.warn("This model usually expects 1 or 3 input channels. However, it was "
                          f"passed an input_shape with {channels} input channels.", stacklevel=3)
        default_shape = ((input_shape[0], default_size, default_size) if channels_first
                         else (default_size, default_size, input_shape[-1]))
    else:
        default_shape = (3, default_size, default_size) if channels_first \
            else (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError("When setting `include_top=True` and loading `imagenet` weights, "
                             f"`input_shape` should be {default_shape}.  "
                             f"Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        rows, cols = input_shape[1:] if channels_first else input_shape[:2]
        if (rows is not None and rows < min_size) or (cols is not None and cols < min_size):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: "
                             f"input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static `input_shape`. "
                         f"Received: input_shape={input_shape}")
    return input_shape


# ---------------------------------------------------------------- what every model function does
def check_weights(weights, keras_file: str) -> None:
    """``weights`` is ``None`` or the path of a Keras weight file; ``"imagenet"`` is refused
    (edulayers downloads nothing) with the name of the file that Keras would have downloaded."""
    if weights is None:
        return
    if weights == "imagenet":
        raise ValueError(
            "edulayers downloads nothing, so weights='imagenet' is not available. Pass the path "
            f"of Keras' own weight file instead, e.g. weights='~/.keras/models/{keras_file}' "
            "(where Keras keeps it after keras.applications...(weights='imagenet') downloaded "
            "it once), or weights=None for a random initialization.")
    if not isinstance(weights, (str, os.PathLike)) or not os.path.exists(os.path.expanduser(weights)):
        raise ValueError("The `weights` argument should be either `None` (random initialization) "
                         "or the path to the weights file to be loaded (a Keras .h5 or "
                         f".weights.h5 file). Received: weights={weights}")


def validate_activation(classifier_activation, weights) -> None:
    """With loaded weights the classifier must be ``None`` or ``"softmax"`` (Keras' rule: the
    weights were trained for a softmax)."""
    if weights is None:
        return
    fn = activations.get(classifier_activation)
    if fn not in (activations.get("softmax"), activations.get("linear")):
        raise ValueError("Only `None` and `softmax` activations are allowed for the "
                         "`classifier_activation` argument when using pretrained weights, with "
                         f"`include_top=True`; Received: {classifier_activation}")


def image_input(input_tensor, input_shape):
    """The tensor the network starts from: a new ``el.Input(shape=input_shape)``, or the given
    ``input_tensor`` (an ``el.Input`` or the output of layers applied to one)."""
    if input_tensor is None:
        return Input(shape=input_shape)
    if not isinstance(input_tensor, SymbolicTensor):
        raise TypeError("input_tensor must be a symbolic tensor of the functional API (from "
                        "el.Input(...) or a layer call on one), got "
                        f"{type(input_tensor).__name__}")
    return input_tensor


def source_inputs(tensor) -> list:
    """The ``el.Input`` tensors a symbolic tensor was computed from (Keras' ``get_source_inputs``),
    in the order they are first reached."""
    found, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        if t.node.layer is None:
            if id(t) not in seen:
                seen.add(id(t))
                found.append(t)
            continue
        stack.extend(reversed(t.node.input_tensors))
    return found


def model_inputs(input_tensor, img_input):
    """What ``el.Model`` takes as inputs: the source inputs of ``input_tensor`` when one was given."""
    if input_tensor is None:
        return img_input
    inputs = source_inputs(input_tensor)
    return inputs[0] if len(inputs) == 1 else inputs


def bn_axis() -> int:
    """The channel axis of the image tensors: 3 for channels_last, 1 for channels_first."""
    return 3 if backend.image_data_format() == "channels_last" else 1


def load_weights(model, weights) -> None:
    if weights is not None:
        from .keras_weights import load_keras_weights
        load_keras_weights(model, os.path.expanduser(weights))
