"""Keras' applications built from edulayers' layers: VGG16, ResNet50 and MobileNet.

::

    import edulayers as el
    model = el.applications.ResNet50(weights="resnet50_weights_tf_dim_ordering_tf_kernels.h5")
    model.summary()                                         # 25,636,712 parameters, as Keras
    x = el.applications.resnet50.preprocess_input(images)   # RGB images in [0, 255]
    el.applications.resnet50.decode_predictions(model.predict(x), top=3)
    # [[('n02099601', 'golden_retriever', 0.83), ('n02099712', 'Labrador_retriever', 0.05), ...]]

Each model function has Keras' signature (``include_top``, ``weights``, ``input_tensor``,
``input_shape``, ``pooling``, ``classes``, ``classifier_activation``; MobileNet's ``alpha``,
``depth_multiplier``, ``dropout``) and builds the same graph with the same layer names, so
weights map layer by layer by name. Nothing is ever downloaded: ``weights=None`` (the default
here; Keras' is ``"imagenet"``) initializes at random, and ``weights="path/to/file.h5"`` loads
Keras' own weight files where you have them (``~/.keras/models/`` once Keras has downloaded
them), in Keras 2's ``.h5`` or Keras 3's ``.weights.h5`` layout (``load_keras_weights``; needs
h5py: ``pip install 'edulayers[keras-files]'``).

Each module (``vgg16``, ``resnet50``, ``mobilenet``) starts with the architecture: the blocks,
the shapes and the parameter arithmetic of one block; then the block functions, then the model
function, ``preprocess_input`` (the preprocessing the published weights expect) and
``decode_predictions`` (Keras' ImageNet class index, shipped in ``data/``).
"""
from . import imagenet_utils, mobilenet, resnet50, vgg16
from .keras_weights import load_keras_weights, read_keras_weights
from .mobilenet import MobileNet
from .resnet50 import ResNet50
from .vgg16 import VGG16

__all__ = ["VGG16", "ResNet50", "MobileNet", "vgg16", "resnet50", "mobilenet", "imagenet_utils",
           "load_keras_weights", "read_keras_weights"]
