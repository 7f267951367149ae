"""The layer protocol every edulayers layer follows (written down in book/protocol.md).

A layer is written like a textbook page::

    class Square(Layer):
        formula = r"y = x^2"

        def forward(self, x, training=False, mask=None):
            self.cache = x                     # what backward needs
            return x ** 2

        def backward(self, dy):
            return 2 * self.cache * dy

The base class does the bookkeeping around those two methods, once, for every
layer (and for every student's custom layer):

* ``layer(x)`` / ``layer.forward(x)`` converts ``x`` to the layer's dtype,
  checks its rank and dimensions against ``input_spec`` (a clear ``ValueError``
  that names the layer, the expected shape and the received one), builds the
  weights on the first call, and picks the fast path or, with
  ``path="reference"``, the readable ``forward_reference``; what the call leaves for
  backward (path, cache, output, its shapes and mask) is one ``CallRecord``, ``layer.last_call``;
* ``layer.backward(dy)`` checks ``dy`` against the last output, runs the
  backward of the path the last forward used, and checks that every trainable
  weight received its gradient in ``layer.grads``;
* weights live in one ordered registry (Keras' creation order, which is the
  order of ``get_weights``), with their regularizers and constraints.
* ``layer.input_shape`` / ``layer.output_shape`` (Keras 2's names) are the shapes the layer
  was built for, batch axis ``None``; before it is built, an ``AttributeError`` that says so.

Subclasses override ``build``, ``forward``, ``backward`` and optionally
``forward_reference``, ``backward_reference``, ``compute_output_shape``,
``compute_mask``, ``shape_steps``, ``param_formula`` and ``get_config``.

This module is longer than most because it is the protocol itself: construction arguments, building
on the first call, the input checks, the per-call record, the weight registry with its regularizers
and constraints, masks, get_weights / set_weights, configs and explain(), which every layer
inherits.
"""
from __future__ import annotations

import copy
import functools
import inspect
import re
from dataclasses import dataclass, field

import numpy as np

from .. import backend, constraints as constraints_mod, initializers as initializers_mod
from .. import regularizers as regularizers_mod
from .._registry import IdentifierError
from ..explain import Explanation, Step, format_shape
from ..symbolic import Node, SymbolicTensor, is_symbolic

PATHS = ("fast", "reference")
_WEIGHT_OPTION_MODULES = {"initializer": initializers_mod, "regularizer": regularizers_mod,
                          "constraint": constraints_mod}
_name_counts: dict = {}
_UNSET = object()


def _snake(name: str) -> str:
    """Keras' ``to_snake_case``: ``Conv2D -> conv2d``, ``GlobalMaxPooling2D -> global_max_pooling2d``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(prefix: str) -> str:
    """Keras-style default names: ``dense``, ``dense_1``, ``dense_2``, ..."""
    n = _name_counts.get(prefix, 0)
    _name_counts[prefix] = n + 1
    return prefix if n == 0 else f"{prefix}_{n}"


def reset_names() -> None:
    """Start default layer names from ``dense``, ``conv2d``, ... again (as ``keras.backend.clear_session``)."""
    _name_counts.clear()


class ArgumentTypeError(TypeError, ValueError):
    """A constructor argument of the wrong type (``Dense('64')``, ``Dropout(True)``).

    Keras raises TypeError for some of these (``RepeatVector('3')``) and ValueError for others
    (``Dense('64')``); this is both, so ``except TypeError`` and ``except ValueError`` catch it.
    """


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and \
        not isinstance(value, (bool, np.bool_))


def _refuse(owner: str, name: str, expected: str, value, received=None):
    """The one wording of a refused argument: layer, argument, what was expected, what came."""
    if received is None:
        received = repr(value) if isinstance(value, (int, np.integer)) and _is_number(value) \
            else f"{value!r} (a {type(value).__name__})"
    error = ValueError if _is_number(value) else ArgumentTypeError
    return error(f"{owner}: {name} must be {expected}, got {received}")


def positive_int(value, name: str, owner: str, *, allow_zero=False, expected=None,
                 received=None) -> int:
    """``value`` as an ``int`` if it is a positive integer (``>= 0`` with ``allow_zero``; ``True``
    is not one); else an error naming the layer, the argument, what was expected and what it got.

    Every size argument goes through here (units, filters, kernel_size, pool_size, strides,
    depth_multiplier, RepeatVector's n, padding and cropping amounts...). A wrong type is an
    ``ArgumentTypeError`` (a TypeError and a ValueError), a wrong number a ValueError.
    ``expected`` / ``received`` replace the wording of the two halves, for an entry of a
    tuple argument (``"every entry of strides"``, ``"strides=(1, 0)"``).
    """
    if isinstance(value, (int, np.integer)) and _is_number(value) and value >= (0 if allow_zero else 1):
        return int(value)
    raise _refuse(owner, name, expected or ("a non-negative int" if allow_zero else "a positive int"),
                  value, received)


def dropout_rate(value, name: str, owner: str, *, allow_one=True) -> float:
    """``value`` as a ``float`` if it is a fraction of units to drop: in [0, 1], or [0, 1) with
    ``allow_one=False`` (GaussianDropout and AlphaDropout, whose noise is infinite at 1).

    Every rate goes through here: Dropout, GaussianDropout, AlphaDropout, and the ``dropout`` /
    ``recurrent_dropout`` of the recurrent layers and cells. Keras 3 refuses a Dropout rate
    outside [0, 1] but clips an RNN's silently; edulayers refuses both, in the same words.
    """
    if _is_number(value) and 0 <= value <= 1 and (allow_one or value < 1):
        return float(value)
    expected = ("a float between 0 and 1 (the fraction of units to drop)" if allow_one else
                "a float in [0, 1) (the drop probability; at 1 the noise variance "
                "rate / (1 - rate) is infinite)")
    received = f"{name}={value!r}" + ("" if _is_number(value) else f" (a {type(value).__name__})")
    raise _refuse(owner, name, expected, value, received)


@dataclass
class InputSpec:
    """What a layer accepts: a rank (or a minimum rank) and fixed sizes on some axes.

    ``description`` names the axes for error messages, e.g.
    ``"(batch, rows, cols, channels)"``.
    """
    ndim: int | None = None
    min_ndim: int | None = None
    axes: dict = field(default_factory=dict)
    description: str = ""

    def check(self, owner: str, shape: tuple, what: str = "input") -> None:
        shape = tuple(shape)
        desc = f" {self.description}" if self.description else ""
        if self.ndim is not None and len(shape) != self.ndim:
            raise ValueError(f"{owner} expected {what} of rank {self.ndim}{desc}, "
                             f"got shape {format_shape(shape)} (rank {len(shape)})")
        if self.min_ndim is not None and len(shape) < self.min_ndim:
            raise ValueError(f"{owner} expected {what} of rank >= {self.min_ndim}{desc}, "
                             f"got shape {format_shape(shape)} (rank {len(shape)})")
        for axis, size in self.axes.items():
            if size is None or -len(shape) > axis or axis >= len(shape):
                continue
            if shape[axis] is not None and shape[axis] != size:
                raise ValueError(f"{owner} expected axis {axis} of the {what} to have size {size} "
                                 f"(the layer was built for it), got shape {format_shape(shape)}")


@dataclass
class WeightSpec:
    """Bookkeeping of one weight: how it was made and what acts on it."""
    trainable: bool
    initializer: object
    regularizer: object
    constraint: object


@dataclass
class CallRecord:
    """What one call of a layer leaves for its backward, in one place.

    ``forward`` starts a new record (``layer.last_call``) before it runs the layer's own code;
    ``self.cache = ...`` inside a layer's forward writes into it, and ``backward`` reads this
    record: the path that ran, the cache, the output's shapes (``dy`` must match them), the
    output itself (for the activity penalty) and the output's mask. A layer used twice (shared
    weights in a functional model) has one record per call: the model keeps each node's record
    (``call_state``) and puts it back before that node's backward.
    """
    path: str = "fast"
    cache: object = None
    output: object = None
    output_shapes: object = None
    mask: object = None


def held_layers(layer) -> list:
    """The layers ``layer`` holds directly: a wrapper's layers, an RNN's cell, a model's layers.

    The one place that walks a layer's attributes for other layers; freezing, casting, and the
    per-call state below all follow it.
    """
    found = []
    for value in vars(layer).values():
        for sub in (value if isinstance(value, (list, tuple)) else [value]):
            if isinstance(sub, Layer) and not any(sub is f for f in found):
                found.append(sub)
    return found


def _layer_and_held(layer) -> list:
    """``layer`` and every layer under it (depth first, each once)."""
    order, todo = [], [layer]
    while todo:
        current = todo.pop()
        if not any(current is seen for seen in order):
            order.append(current)
            todo.extend(held_layers(current))
    return order


def call_state(layer) -> list:
    """The state the last call left in ``layer`` and in every layer it holds: each one's
    ``last_call`` record and the attributes it names in ``per_call_attributes`` (an RNN cell's
    dropout masks and projected inputs, drawn once per sequence). ``restore_call_state`` puts
    them back, so that ``backward`` answers for that call and not for a later one."""
    return [(sub, sub.last_call, {name: sub.__dict__.get(name) for name in sub.per_call_attributes})
            for sub in _layer_and_held(layer)]


def restore_call_state(state) -> None:
    for sub, record, attributes in state:
        sub.last_call = record
        vars(sub).update(attributes)


@functools.lru_cache(maxsize=None)
def _accepts(fn, name: str) -> bool:
    # cached: inspect.signature costs ~50 us, on every forward of every layer otherwise
    params = inspect.signature(fn).parameters
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _call_with(fn, self, x, training, mask):
    kwargs = {}
    if _accepts(fn, "training"):
        kwargs["training"] = training
    if mask is not None and _accepts(fn, "mask"):
        kwargs["mask"] = mask
    return fn(self, x, **kwargs)


def _wrap_forward(fn):
    @functools.wraps(fn)
    def forward(self, inputs, training=False, path="fast", mask=None):
        if path not in PATHS:
            raise ValueError(f"{self._label}: path must be one of {PATHS}, got {path!r}")
        # A refused first call leaves the layer as it was: unbuilt, no weights (see _build_state).
        state = None if self.built else _build_state(self)
        last_call = self.last_call
        try:
            inputs = self._prepare_inputs(inputs)
            impl = fn
            if path == "reference":
                ref = getattr(type(self), "forward_reference", None)
                impl = getattr(ref, "__wrapped__", ref) or fn
            self.last_call = CallRecord(path)       # this call's cache goes here
            outputs = _call_with(impl, self, inputs, training, mask)
            self._record_outputs(inputs, outputs, mask)
        except BaseException:
            if state is not None:
                _restore_state(state)
            else:
                self.last_call = last_call    # backward still answers for the last call that ran
            raise
        return outputs
    forward._edulayers_wrapped = True
    return forward


def _wrap_build(fn):
    @functools.wraps(fn)
    def build(self, input_shape):
        if getattr(self, "_building", False):      # a subclass's build calling super().build
            return fn(self, input_shape)
        state = _build_state(self)                 # a build that fails half-way is undone
        self._building = True
        try:
            fn(self, input_shape)
            self._building = False
            self.built = True
            self.built_input_shape = _as_shape(input_shape)
            if not self.trainable:       # made frozen: so are the layers it holds (Layer.trainable)
                self.trainable = False
            if self._initial_weights is not None:
                weights, self._initial_weights = self._initial_weights, None
                self.set_weights(weights)
        except BaseException:
            _restore_state(state)
            raise
    build._edulayers_wrapped = True
    return build


#: the constructor arguments that may hold a name of each registry (Keras 1's init, W_regularizer...)
_ARGUMENT_HINTS = {"activation": "activation", "initializer": "init", "regularizer": "regularizer",
                   "constraint": "constraint"}


def _wrap_init(fn):
    """A refused constructor leaves no trace, and says which argument it refused.

    The default-name counters and the shared random generator are put back (the next ``Dense``
    is still ``dense``), and a name no registry knows is reported as this layer's:
    ``Dense: unknown activation 'rellu'; did you mean 'relu'? ...``. A layer built inside another
    constructor (an RNN's cell) is reported under the outer layer, the one the user called.
    """
    @functools.wraps(fn)
    def __init__(self, *args, **kwargs):
        counts, rng = dict(_name_counts), backend.global_rng()
        bits = rng.bit_generator.state
        try:
            fn(self, *args, **kwargs)
        except BaseException as err:
            _name_counts.clear()
            _name_counts.update(counts)
            rng.bit_generator.state = bits
            if isinstance(err, IdentifierError):
                argument = err.argument or _argument_holding(fn, args, kwargs, err)
                located = err.located(type(self).__name__, argument)
                raise located.with_traceback(err.__traceback__) from None
            raise
    __init__._edulayers_wrapped = True
    return __init__


def _argument_holding(fn, args, kwargs, err):
    """The constructor argument whose value is the identifier ``err`` refused, if one is."""
    hint = _ARGUMENT_HINTS.get(err.kind)
    if hint is None:
        return None
    try:
        signature = inspect.signature(fn)
        bound = signature.bind(None, *args, **kwargs).arguments
    except (TypeError, ValueError):
        signature, bound = None, dict(kwargs)
    items = []
    for name, value in bound.items():
        spread = signature is not None and signature.parameters[name].kind is inspect.Parameter.VAR_KEYWORD
        items.extend(value.items() if spread else [(name, value)])
    for name, value in items:
        if hint in name and (value is err.identifier or
                             (isinstance(value, str) and value == err.identifier) or
                             (isinstance(value, dict) and value.get("class_name") == err.identifier)):
            return name
    return None


def _wrap_backward(fn):
    @functools.wraps(fn)
    def backward(self, dy):
        if self.last_call is None or self.last_call.output_shapes is None:
            raise RuntimeError(f"{self._label}: call forward before backward "
                               "(backward uses what the last forward cached)")
        dy = self._prepare_upstream(dy)
        impl = fn
        if self.last_call.path == "reference":
            ref = getattr(type(self), "backward_reference", None)
            impl = ref or fn
        self.grads = {}
        dx = impl(self, dy)
        # a frozen layer (trainable=False) reports no weight gradients, whatever backward computed
        self.grads = {n: g for n, g in self.grads.items() if n in self.params}
        missing = [n for n in self.params if n not in self.grads]
        if missing:
            raise RuntimeError(f"{self._label}.backward did not set grads for {missing}: "
                               "backward must fill self.grads with one gradient per trainable weight")
        for name, g in self.grads.items():
            if np.shape(g) != self.params[name].shape:
                raise RuntimeError(f"{self._label}.backward set grads[{name!r}] with shape "
                                   f"{np.shape(g)}, expected {self.params[name].shape} (the weight's shape)")
        return dx
    backward._edulayers_wrapped = True
    return backward


class Layer:
    """Base class of every layer: weights, shapes, paths, masks, penalties and ``explain()``.

    Args:
        name: a unique name; Keras-style defaults (``dense``, ``dense_1``...).
        trainable: whether the weights appear in ``params`` and get gradients.
        dtype: the dtype the layer computes in (default ``el.floatx()``).
        input_shape / batch_input_shape / input_dim: as Keras, for the first layer of a model.
        activity_regularizer: penalty on the layer's output, added by the model.
        weights: initial weights (Keras 1), loaded with ``set_weights`` once the layer is built.
    """

    #: LaTeX of what the layer computes; subclasses override (a property where it depends on arguments).
    formula = r"y = f(x)"
    #: Integer inputs are kept as they are (Embedding); others are cast to the layer dtype.
    accepts_integer_input = False
    #: Pass the incoming mask through unchanged (Keras' ``supports_masking``).
    supports_masking = False
    #: Notes shown by explain(): conventions, Keras-version differences.
    notes: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name, wrapper in (("forward", _wrap_forward), ("backward", _wrap_backward),
                              ("build", _wrap_build), ("__init__", _wrap_init)):
            fn = cls.__dict__.get(name)
            if fn is not None and not getattr(fn, "_edulayers_wrapped", False):
                setattr(cls, name, wrapper(fn))

    def __init__(self, *, name=None, trainable=True, dtype=None, input_shape=None,
                 batch_input_shape=None, input_dim=None, batch_size=None,
                 activity_regularizer=None, weights=None, **unknown):
        cls = type(self).__name__
        if unknown:
            raise TypeError(f"{cls} got unexpected keyword argument(s) {sorted(unknown)}")
        self.name = name or unique_name(_snake(cls))
        self.trainable = bool(trainable)
        self.dtype = str(np.dtype(dtype or backend.floatx()))
        if batch_size is not None:
            batch_size = positive_int(batch_size, "batch_size", cls)
        if input_dim is not None:
            input_dim = positive_int(input_dim, "input_dim", cls)
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            self.batch_input_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            shape = (input_shape,) if isinstance(input_shape, int) else tuple(input_shape)
            self.batch_input_shape = (batch_size,) + shape
        else:
            self.batch_input_shape = None
        self.activity_regularizer = regularizers_mod.get(activity_regularizer)
        self.input_spec = getattr(self, "input_spec", None) or InputSpec()
        self.built = False
        self.built_input_shape = None
        self._weights: dict = {}
        self._weight_specs: dict = {}
        self._weight_options: list = []
        self.grads: dict = {}
        self.last_call = None             # the CallRecord of the last forward
        self._initial_weights = weights   # Keras 1's ``weights=[...]``: loaded right after build

    #: attributes besides ``last_call`` that a call leaves for its backward (see ``call_state``)
    per_call_attributes: tuple = ()

    @property
    def cache(self):
        """What the last forward kept for backward (``last_call.cache``)."""
        return None if self.last_call is None else self.last_call.cache

    @cache.setter
    def cache(self, value) -> None:
        if self.last_call is None:         # a forward run by hand, outside the protocol
            self.last_call = CallRecord()
        self.last_call.cache = value

    @property
    def _last_output(self):
        return None if self.last_call is None else self.last_call.output

    @property
    def output_mask(self):
        """The mask of the last output (``None``: no mask), as Keras' ``compute_mask`` gives it."""
        return None if self.last_call is None else self.last_call.mask

    # ------------------------------------------------------------------ the shapes it was called for
    @property
    def input_shape(self):
        """The input shape the layer was built for, batch axis included: ``(None, 32, 32, 3)``, a
        list for a layer with several inputs (Keras 2's ``layer.input_shape``; Keras 3 reads it
        as ``layer.input.shape``). A layer never called nor built raises ``AttributeError``, as
        Keras: it has no input shape yet."""
        return self._call_shape("input_shape")

    @input_shape.setter
    def input_shape(self, value) -> None:
        self.__dict__["_declared_input_shape"] = value

    @property
    def output_shape(self):
        """The output shape for ``input_shape``: ``(None, 30, 30, 64)``, a list for several
        outputs (an RNN with ``return_state``); ``AttributeError`` before the layer was called or
        built. A subclass that keeps an argument of that name (Keras 1's
        ``Deconvolution2D(output_shape=...)``) reads back its own value."""
        return self._call_shape("output_shape")

    @output_shape.setter
    def output_shape(self, value) -> None:
        self.__dict__["_declared_output_shape"] = value

    def _call_shape(self, which: str):
        declared = self.__dict__.get(f"_declared_{which}", _UNSET)
        if declared is not _UNSET:
            return declared
        if not self.built or self.built_input_shape is None:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no "
                                 f"defined {which.replace('_', ' ')} (call it on an input, or "
                                 "build(input_shape), first)")
        shape = _as_shape(self.built_input_shape)
        return shape if which == "input_shape" else _as_shape(self.compute_output_shape(shape))

    # ------------------------------------------------------------------ weights
    def __getattr__(self, item):
        # Weights read as attributes (self.kernel, self.bias) so forward reads like the formula.
        weights = self.__dict__.get("_weights")
        if weights is not None and item in weights:
            return weights[item]
        if item in ("input_shape", "output_shape"):   # the property refused: say why, not "no attribute"
            return self._call_shape(item)
        raise AttributeError(f"{type(self).__name__!s} object has no attribute {item!r}")

    @property
    def _label(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    @property
    def trainable(self) -> bool:
        """Whether the weights appear in ``params``, get gradients and are updated by ``fit``."""
        return self._trainable

    @trainable.setter
    def trainable(self, value) -> None:
        # As Keras 3: freezing (or unfreezing) a layer does the same to every layer it holds (a
        # wrapper's layers, an RNN's cell), so a BatchNormalization inside a frozen
        # TimeDistributed runs in inference mode and keeps its moving statistics.
        value = bool(value)
        for sub in _layer_and_held(self):
            sub._trainable = value

    def set_weight_options(self, **options) -> None:
        """Resolve and keep the ``<weight>_initializer`` / ``_regularizer`` / ``_constraint`` arguments.

        ``set_weight_options(kernel_initializer="he_uniform", kernel_constraint="max_norm", ...)``
        stores ``self.kernel_initializer = initializers.get("he_uniform")`` and so on, and
        ``get_config`` serializes them back: the bookkeeping every layer with weights shares.
        """
        resolved = {}                  # all resolved first: a refused option changes nothing
        for name, value in options.items():
            kind = name.rsplit("_", 1)[-1]
            if kind not in _WEIGHT_OPTION_MODULES:
                raise TypeError(f"{self._label}: {name!r} is not an *_initializer, *_regularizer "
                                "or *_constraint argument")
            try:
                resolved[name] = _WEIGHT_OPTION_MODULES[kind].get(value)
            except IdentifierError as err:
                raise err.located(self._label, name).with_traceback(err.__traceback__) from None
        for name, value in resolved.items():
            setattr(self, name, value)
            if name not in self._weight_options:
                self._weight_options.append(name)

    def add_weight(self, name=None, shape=None, initializer=None, regularizer=None, constraint=None,
                   trainable=True, dtype=None):
        """Create, initialize and register a weight; returns the array.

        Both Keras spellings work: Keras 2's ``add_weight("kernel", (3, 4), "he_uniform")`` and
        Keras 3's ``add_weight(shape=(3, 4), initializer="he_uniform", name="kernel")`` or
        ``add_weight((3, 4), "he_uniform")``, whose first positional argument is the shape. Without an initializer the weight is drawn from
        ``glorot_uniform``, Keras' default; without a name it is called ``variable``,
        ``variable_1``, ... The returned array is the live weight: keep it as ``self.kernel = ...``
        and it stays the weight that ``set_weights``, the optimizers and a dtype change act on.
        ``dtype``, if given, must be the layer's: a layer computes in one dtype.
        """
        if name is not None and not isinstance(name, str):
            # Keras 3's positional order, add_weight((3, 4), "zeros"): shape, then initializer
            if shape is not None and initializer is None:
                initializer = shape
            name, shape = None, name
        if shape is None:
            raise TypeError(f"{self._label}.add_weight needs a shape, e.g. "
                            "self.add_weight(shape=(input_shape[-1], self.units), name='kernel')")
        if name is None:
            taken = sum(1 for n in self._weights if n == "variable" or n.startswith("variable_"))
            name = "variable" if taken == 0 else f"variable_{taken}"
        if name in self._weights:
            raise ValueError(f"{self._label} already has a weight named {name!r}; give each weight "
                             "its own name")
        if dtype is not None and str(np.dtype(dtype)) != self.dtype:
            raise ValueError(f"{self._label}.add_weight: dtype {np.dtype(dtype)} differs from the "
                             f"layer's dtype {self.dtype}; set the layer's dtype=... instead")
        shape = tuple(int(s) for s in shape)
        try:                           # every name resolved before anything is drawn or stored
            init = initializers_mod.get("glorot_uniform" if initializer is None else initializer)
            regularizer = regularizers_mod.get(regularizer)
            constraint = constraints_mod.get(constraint)
        except IdentifierError as err:
            raise err.located(f"{self._label}.add_weight({name!r})", err.kind) \
                .with_traceback(err.__traceback__) from None
        value = np.asarray(init(shape, dtype=self.dtype), dtype=self.dtype)
        if value.shape != shape:
            raise ValueError(f"{self._label}: initializer {init!r} gave shape {value.shape} for weight "
                             f"{name!r}, expected {shape}")
        self._weights[name] = value
        self._weight_specs[name] = WeightSpec(bool(trainable), init, regularizer, constraint)
        return value

    @property
    def weights(self) -> dict:
        """Every weight by name, trainable or not, in creation (= Keras ``get_weights``) order."""
        return dict(self._weights)

    @property
    def params(self) -> dict:
        """Trainable weights by Keras name (``kernel``, ``bias``, ...): the arrays themselves."""
        if not self.trainable:
            return {}
        return {n: w for n, w in self._weights.items() if self._weight_specs[n].trainable}

    @property
    def non_trainable_weights(self) -> dict:
        return {n: w for n, w in self._weights.items() if n not in self.params}

    def get_weights(self) -> list:
        """Copies of all weights, in the order and shapes of Keras' ``get_weights()``."""
        return [w.copy() for w in self._weights.values()]

    def set_weights(self, weights) -> None:
        """Load weights in ``get_weights()`` order (e.g. from the twin Keras layer).

        Every array is checked (the count, each shape, real numbers: strings, even ``'1.0'``,
        objects and complex numbers are refused) before any is written, so a refused call
        leaves the layer as it was.
        """
        weights = list(weights)
        names = list(self._weights)
        if not self.built:
            raise ValueError(f"{self._label}: set_weights needs a built layer; call it on an input "
                             "or call build(input_shape) first")
        if len(weights) != len(names):
            raise ValueError(f"{self._label} expects {len(names)} weight arrays {names}, "
                             f"got {len(weights)}")
        arrays = []
        for name, new in zip(names, weights):
            try:
                new = np.asarray(new)
            except ValueError as err:
                raise ValueError(f"{self._label}: weight {name!r} needs an array of shape "
                                 f"{self._weights[name].shape}, got a ragged {type(new).__name__} "
                                 f"({err})") from None
            if new.dtype.kind not in "biuf":
                raise ValueError(f"{self._label}: weight {name!r} needs real numbers, got an array "
                                 f"of dtype {new.dtype}")
            if new.shape != self._weights[name].shape:
                raise ValueError(f"{self._label}: weight {name!r} has shape "
                                 f"{self._weights[name].shape}, got an array of shape {new.shape}")
            arrays.append(new)
        for name, new in zip(names, arrays):
            self._weights[name][...] = new   # in place: optimizers keep their references

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"{self._label} is not built yet, so its weights have no shapes: "
                             "call it on an input, build(input_shape), or explain(input_shape=...)")
        return int(sum(w.size for w in self._weights.values()))

    # ------------------------------------------------------------------ building
    def build(self, input_shape) -> None:
        """Create the weights for ``input_shape`` (batch axis included, usually ``None``).

        Subclasses override it; the base class wraps every override so that, as in Keras,
        calling ``layer.build(shape)`` yourself also marks the layer built.
        """

    def _ensure_built(self, input_shape) -> None:
        if not self.built:
            self.build(input_shape)     # the wrapped build marks the layer built

    def _prepare_inputs(self, inputs):
        if isinstance(inputs, (list, tuple)):
            arrays = [self._as_array(x) for x in inputs]
            shapes = [(None,) + a.shape[1:] for a in arrays]
            self._check_inputs(arrays)
            self._ensure_built(shapes)
            self._check_inputs(arrays)
            return arrays
        x = self._as_array(inputs)
        self.input_spec.check(self._label, x.shape)
        self._ensure_built((None,) + x.shape[1:])
        self.input_spec.check(self._label, x.shape)
        return x

    def _check_inputs(self, arrays) -> None:
        """Multi-input layers override this to check the list of inputs."""

    def _as_array(self, x):
        x = np.asarray(x)
        if x.dtype.kind in "iub" and self.accepts_integer_input:
            return x
        if x.dtype.kind not in "fiub":
            raise ValueError(f"{self._label} expected a numeric array, got dtype {x.dtype}")
        return x.astype(self.dtype, copy=False)

    def _record_outputs(self, inputs, outputs, mask) -> None:
        record = self.last_call
        if isinstance(outputs, (list, tuple)):
            record.output_shapes = [np.shape(o) for o in outputs]
        else:
            record.output_shapes = np.shape(outputs)
        record.output = outputs
        record.mask = self.compute_mask(inputs, mask)

    def _prepare_upstream(self, dy):
        expected = self.last_call.output_shapes
        if isinstance(expected, list):
            if not isinstance(dy, (list, tuple)) or len(dy) != len(expected):
                raise ValueError(f"{self._label} has {len(expected)} outputs: backward expects a list "
                                 f"of {len(expected)} upstream gradients")
            return [self._check_upstream(g, s) for g, s in zip(dy, expected)]
        return self._check_upstream(dy, expected)

    def _check_upstream(self, dy, expected_shape):
        dy = np.asarray(dy, dtype=self.dtype)
        if dy.shape != tuple(expected_shape):
            raise ValueError(f"{self._label}.backward expected an upstream gradient of shape "
                             f"{tuple(expected_shape)} (the last output's shape), got {dy.shape}")
        return dy

    def __call__(self, inputs, training=False, path="fast", mask=None):
        """On arrays: ``forward``. On symbolic tensors (``el.Input``): a node of a functional model."""
        if is_symbolic(inputs):
            return self._call_symbolic(inputs)
        return self.forward(inputs, training=training, path=path, mask=mask)

    def _call_symbolic(self, inputs):
        """Build for the symbolic shapes and return symbolic outputs; nothing is computed yet."""
        multi = isinstance(inputs, (list, tuple))
        if multi and not all(isinstance(t, SymbolicTensor) for t in inputs):
            raise TypeError(f"{self._label}: a functional call mixes symbolic tensors and arrays")
        shapes = [t.shape for t in inputs] if multi else inputs.shape
        state = None if self.built else _build_state(self)
        try:
            if not multi:
                self.input_spec.check(self._label, shapes)
            self._ensure_built(shapes)
            if not multi:
                self.input_spec.check(self._label, shapes)
            out_shape = self.compute_output_shape(shapes)
        except BaseException:
            if state is not None:
                _restore_state(state)      # refused: still unbuilt, no weights
            raise
        # the first call's outputs are named after the layer; later calls (shared weights) as
        # Keras' summary does: dense[1], dense[2], ...
        calls = self.__dict__.get("_symbolic_calls", 0)
        self._symbolic_calls = calls + 1
        node = Node(self, list(inputs) if multi else inputs,
                    name=self.name if calls == 0 else f"{self.name}[{calls}]")
        if isinstance(out_shape, list):          # several outputs (an RNN with return_state)
            node.outputs = [SymbolicTensor(s, node, i, self.dtype) for i, s in enumerate(out_shape)]
            return list(node.outputs)
        node.outputs = [SymbolicTensor(out_shape, node, 0, self.dtype)]
        return node.outputs[0]

    # ------------------------------------------------------------------ the computation
    def forward(self, x, training=False, mask=None):
        """The fast (vectorized) path; subclasses override.

        A layer written the Keras way defines ``call(inputs)`` (optionally with ``training`` and
        ``mask``) instead: it runs here, as its forward, with the same input checks, build and
        bookkeeping as every other layer. A layer with neither passes its input through.
        """
        call = getattr(type(self), "call", None)
        if call is None:
            return x
        return _call_with(call, self, x, training, mask)

    def backward(self, dy):
        """Gradient of the loss w.r.t. the input(s), given ``dy`` = dL/dy; fills ``self.grads``."""
        names = ", ".join(self.params) or "none"
        what = "call() (its forward)" if getattr(type(self), "call", None) else "forward"
        raise NotImplementedError(
            f"{self._label} defines {what} but no backward, so it cannot be trained or "
            f"gradient-checked: define backward(self, dy) returning dL/dx (the shape of the input) "
            f"and filling self.grads[name] = dL/dw for each trainable weight (here: {names})")

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_mask(self, inputs, mask=None):
        """The mask of the output: passed through by layers that support masking, else dropped."""
        return mask if self.supports_masking else None

    # ------------------------------------------------------------------ penalties and constraints
    @property
    def losses(self) -> list:
        """Regularization penalties: one per regularized weight, plus the activity penalty of the
        last forward (divided by the batch size, as Keras 3.14 and later do)."""
        out = [float(s.regularizer(self._weights[n])) for n, s in self._weight_specs.items()
               if s.regularizer is not None and n in self.params]
        if self.activity_regularizer is not None and self._last_output is not None:
            y = self._last_output
            out.append(float(self.activity_regularizer(y)) / max(1, np.shape(y)[0]))
        return out

    def regularization_gradients(self) -> dict:
        """d(weight penalties)/d(weight) for each regularized trainable weight."""
        return {n: s.regularizer.gradient(self._weights[n]) for n, s in self._weight_specs.items()
                if s.regularizer is not None and n in self.params}

    def activity_gradient(self):
        """d(activity penalty)/d(output) for the last forward; the model adds it to ``dy``."""
        if self.activity_regularizer is None or self._last_output is None:
            return None
        y = self._last_output
        return self.activity_regularizer.gradient(y) / max(1, np.shape(y)[0])

    def apply_constraints(self) -> None:
        """Project constrained weights back onto their sets (Keras applies this after each update)."""
        for name, spec in self._weight_specs.items():
            if spec.constraint is not None:
                self._weights[name][...] = spec.constraint(self._weights[name])

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self.batch_input_shape is not None:
            config["batch_input_shape"] = self.batch_input_shape
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers_mod.serialize(self.activity_regularizer)
        for name in self._weight_options:
            kind = name.rsplit("_", 1)[-1]
            config[name] = _WEIGHT_OPTION_MODULES[kind].serialize(getattr(self, name))
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _set_dtype(self, dtype) -> None:
        """Cast this layer (and any layer it holds) to ``dtype``; used by gradcheck for float64."""
        # The held layers first: an RNN shares its weight dictionary with its cell, and the cell
        # must be the one that casts (and re-points its attributes); arrays already of the dtype
        # are left alone, so nothing is cast twice.
        for sub in held_layers(self):
            sub._set_dtype(dtype)
        self.dtype = str(np.dtype(dtype))
        for name in self._weights:
            old = self._weights[name]
            if old.dtype == np.dtype(self.dtype):
                continue
            self._weights[name] = old.astype(self.dtype)
            # a Keras-style layer keeps its weights as attributes too (self.kernel = add_weight(...)):
            # point those at the cast array, so that the attribute stays the live weight
            for attribute, value in vars(self).items():
                if value is old:
                    vars(self)[attribute] = self._weights[name]

    # ------------------------------------------------------------------ explain
    def shape_steps(self, input_shape) -> list:
        """The steps from input to output for ``explain()``; layers override to show their stages."""
        return [Step(type(self).__name__, self.compute_output_shape(input_shape))]

    def param_formula(self, input_shape) -> str:
        """The parameter count as arithmetic; by default one product per weight."""
        terms = ["*".join(str(d) for d in w.shape) or "1" for w in self._weights.values()]
        return " + ".join(terms) if terms else "0"

    def explain_notes(self) -> list:
        return list(self.notes)

    def explain_children(self, input_shape) -> list:
        """The explanations of the layers this one holds (a wrapper's), for the shapes they see."""
        return []

    def unbuilt_twin(self):
        """A copy of this layer without weights, for ``explain`` to build for another shape."""
        twin = copy.deepcopy(self)
        twin.built = False
        twin._weights, twin._weight_specs = {}, {}
        return twin

    def explain(self, input_shape=None) -> Explanation:
        """Formula, shape trace, parameter count and its arithmetic (see ``Explanation``).

        ``input_shape`` includes the batch axis, e.g. ``(None, 16)``; without it the shape the
        layer was built with (or given as ``input_shape=``) is used. For another shape than the
        built one, an unbuilt twin is built and explained (this layer is left as it is).
        """
        if input_shape is None:
            input_shape = self.built_input_shape or self.batch_input_shape
        if input_shape is None:
            raise ValueError(f"{self._label}.explain needs input_shape (batch axis included, "
                             "e.g. (None, 16)) because the layer is not built yet")
        input_shape = _as_shape(input_shape)
        layer = self
        if not self.built or _as_shape(self.built_input_shape) != input_shape:
            layer = self.unbuilt_twin()
            _check_shape_against_spec(layer, input_shape)
            layer._ensure_built(input_shape)
        steps = [Step("input", input_shape)] + layer.shape_steps(input_shape)
        return Explanation(name=f"{type(self).__name__} ({self.name})", formula=layer.formula,
                           shape_trace=steps, param_count=layer.count_params(),
                           param_formula=layer.param_formula(input_shape),
                           notes=layer.explain_notes(),
                           children=layer.explain_children(input_shape))

    def __repr__(self) -> str:
        params = f", params={self.count_params()}" if self.built else ""
        return f"<{type(self).__name__} name={self.name!r}, built={self.built}{params}>"


Layer.build = _wrap_build(Layer.build)   # layers without weights inherit this one
Layer.forward = _wrap_forward(Layer.forward)   # a Keras-style layer's call() runs through it
Layer.__init__ = _wrap_init(Layer.__init__)    # Layer(...) itself refuses without a trace too


def _build_state(layer) -> tuple:
    """What a first call or a build may change: the attributes of ``layer`` and of every layer it
    holds (an RNN's cell, a wrapper's layers), and the contents of their weight registries
    (``add_weight`` fills those in place). ``_restore_state`` puts it all back, so that a call
    refused half-way (a bad shape found after some weights were made) leaves no trace, not even
    in the random generators the initializers drew from (the next call draws the same weights)."""
    found, generators = [], [backend.global_rng()]
    for current in _layer_and_held(layer):
        attributes = dict(vars(current))
        registries = [(d, dict(d)) for d in (attributes.get("_weights"), attributes.get("_weight_specs"))
                      if isinstance(d, dict)]
        found.append((current, attributes, registries))
        generators += [g for g in attributes.values() if isinstance(g, np.random.Generator)]
    return found, [(g, g.bit_generator.state) for g in generators]


def _restore_state(state) -> None:
    found, generators = state
    for current, attributes, registries in found:
        vars(current).clear()
        vars(current).update(attributes)
        for registry, contents in registries:
            registry.clear()
            registry.update(contents)
    for generator, bits in generators:
        generator.bit_generator.state = bits


def _as_shape(shape):
    if shape is None:
        return None
    if isinstance(shape, list) and shape and isinstance(shape[0], (list, tuple)):
        return [tuple(s) for s in shape]
    return tuple(shape)


def _check_shape_against_spec(layer, input_shape) -> None:
    if isinstance(input_shape, tuple):
        layer.input_spec.check(layer._label, input_shape, what="input_shape")
