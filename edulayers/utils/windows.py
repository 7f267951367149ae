r"""Sliding windows over 1-D, 2-D and 3-D inputs: ``pad``, ``im2col``, ``col2im``, ``window_view``.

Every windowed layer (convolution, transposed convolution, pooling, locally connected) is built on
these four functions. Arrays are ``channels_last``: ``(batch, *spatial, channels)``; layers with
``data_format="channels_first"`` move the channel axis at their boundary.

**im2col** turns a convolution into one matrix product. For each output position it copies the
window the kernel sees into one row, flattened in ``(k_1, ..., k_r, channels)`` order - the order
of a Keras kernel ``(*kernel_size, in_channels, filters)`` - so that

.. math::  \text{conv}(x, W) = \mathrm{im2col}(x)\; W_{\text{mat}}, \qquad
           W_{\text{mat}} = W.\mathrm{reshape}(-1, \text{filters}).

Window :math:`p` (an output position) starting at :math:`p s` with tap :math:`i` reads input
position :math:`p s + i d` of the padded input (stride :math:`s`, dilation :math:`d`).

**col2im** is the adjoint (transpose) of im2col: it sends each row's entries back to the input
positions they were copied from and *adds* them, so overlapping windows sum. That is exactly the
input gradient of a convolution, and the forward pass of a transposed convolution:
:math:`\langle \mathrm{im2col}(x), c\rangle = \langle x, \mathrm{col2im}(c)\rangle`.

im2col is one copy of :func:`window_view` (a strided view of every window); col2im loops only over
the kernel offsets (9 iterations for a 3x3 kernel), each iteration adding a whole strided slice of
the batch at once - the trick of *Deep Learning from Scratch*'s ``common/util.py``: fast, and still
readable. (``np.add.at`` would be the obvious col2im and is an order of magnitude slower.) With
stride 1 the input gradient ``col2im(delta W^T)`` is also a convolution of its own, the *full
correlation* of ``delta`` with the flipped kernel (:func:`full_correlation`): one more im2col and
one matrix product.

**im2col_t / col2im_t** are the same two operations on the transposed matrix ``(K*C, N)``, stored
tap-major and split by channel group: the layout the fast convolution paths multiply with BLAS
(with an optional row of ones that carries the bias). ``im2col`` is a view of it.

**col2im_taps** is col2im for columns stored one kernel tap after another, ``(K, batch, *out,
channels)``, the layout of a batched product ``x @ W_tap`` per tap (a transposed convolution's
forward). With strides it adds by *phase* (sub-pixel decomposition): output positions with the
same remainder mod the stride are gathered in one dense buffer, so each tap adds one contiguous
block into one dense slice, and the phases are interleaved into the output once at the end.

**window_view** gives the same windows without copying: a read-only strided view
``(batch, *out_spatial, *kernel_size, channels)`` of the padded input, for layers that reduce
over each window (pooling) or read it once (locally connected).
"""
from __future__ import annotations

import itertools

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = ["pad", "im2col", "col2im", "im2col_t", "col2im_t", "col2im_taps", "full_correlation",
           "window_view", "window_output_shape", "window_slices", "CHANNELS_LAST_MIN"]


def _per_axis(value, rank, name):
    """``2 -> (2, 2)`` for ``rank`` spatial axes."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * rank
    value = tuple(int(v) for v in value)
    if len(value) != rank:
        raise ValueError(f"{name} must have one entry per spatial axis ({rank}), got {value}")
    return value


def _pads(pads, rank):
    """``None`` or an int -> ``((p, p),) * rank``; else a ``(before, after)`` pair per axis."""
    if pads is None:
        return ((0, 0),) * rank
    if isinstance(pads, (int, np.integer)):
        return ((int(pads), int(pads)),) * rank
    pads = tuple((int(b), int(a)) for b, a in pads)
    if len(pads) != rank:
        raise ValueError(f"pads must have one (before, after) pair per spatial axis ({rank}), "
                         f"got {pads}")
    if any(b < 0 or a < 0 for b, a in pads):
        raise ValueError(f"pads must be non-negative, got {pads}")
    return pads


def pad(x, pads):
    """Zero-pad the spatial axes of ``x`` (batch, *spatial, channels).

    ``pads`` is one ``(before, after)`` pair per spatial axis (or an int for all sides); no copy
    is made when every amount is zero.
    """
    x = np.asarray(x)
    pads = _pads(pads, x.ndim - 2)
    if not any(b or a for b, a in pads):
        return x
    padded = np.zeros((x.shape[0], *(n + b + a for n, (b, a) in zip(x.shape[1:-1], pads)),
                       x.shape[-1]), dtype=x.dtype)
    padded[(slice(None),) + tuple(slice(b, b + n) for n, (b, _) in zip(x.shape[1:-1], pads))] = x
    return padded                                   # (zeros, then the interior: np.pad is slower)


def window_output_shape(padded_spatial, kernel_size, strides=1, dilation=1) -> tuple:
    """How many windows fit along each (already padded) axis: ``floor((n - d(k-1) - 1)/s) + 1``."""
    rank = len(padded_spatial)
    kernel_size = _per_axis(kernel_size, rank, "kernel_size")
    strides = _per_axis(strides, rank, "strides")
    dilation = _per_axis(dilation, rank, "dilation")
    out = tuple((n - d * (k - 1) - 1) // s + 1
                for n, k, s, d in zip(padded_spatial, kernel_size, strides, dilation))
    if any(o <= 0 for o in out):
        raise ValueError(f"no window fits: padded spatial shape {tuple(padded_spatial)}, "
                         f"kernel_size {kernel_size}, dilation {dilation} (a kernel spans "
                         f"d*(k-1)+1 positions)")
    return out


def window_slices(offset, out_spatial, strides, dilation) -> tuple:
    """The index that picks tap ``offset`` of every window: along each axis the positions
    ``i*d, i*d + s, ..., i*d + (out-1)*s`` of the padded input, as one strided slice."""
    return (slice(None),) + tuple(slice(i * d, i * d + (o - 1) * s + 1, s)
                                  for i, o, s, d in zip(offset, out_spatial, strides, dilation)) \
        + (slice(None),)


def _setup(x_shape, kernel_size, strides, dilation, pads):
    rank = len(x_shape) - 2
    return (rank, _per_axis(kernel_size, rank, "kernel_size"), _per_axis(strides, rank, "strides"),
            _per_axis(dilation, rank, "dilation"), _pads(pads, rank))


def _check_windows_fit(name, out, padded, kernel_size, strides, dilation):
    for n, k, s, d, o in zip(padded, kernel_size, strides, dilation, out):
        if o < 1 or (o - 1) * s + d * (k - 1) + 1 > n:
            raise ValueError(f"{name}: {tuple(out)} windows of kernel {kernel_size} (strides "
                             f"{strides}, dilation {dilation}) do not fit the padded shape {padded}")


def _accumulator(shape, dtype, initial):
    """The array sums are added into: zeros, or ``initial`` (scalar, or one value per channel,
    the last axis) everywhere."""
    if initial is None:
        return np.zeros(shape, dtype=dtype)
    acc = np.empty(shape, dtype=dtype)
    acc[...] = initial
    return acc


def im2col_t(x, kernel_size, strides=1, dilation=1, pads=None, groups=1, ones_row=False):
    """The im2col matrix, transposed and stored tap-major: ``(groups, K*C_g [+1], N)``.

    ``K = prod(kernel_size)``, ``C_g = channels / groups``, ``N = batch * prod(out_spatial)``;
    row ``(tap, c)`` of group ``g`` holds input channel ``g*C_g + c`` at that kernel tap for every
    output position. With ``ones_row=True`` each group gets a last row of ones, so a bias can ride
    on the matrix product (``[cols; 1]^T [W; b] = cols^T W + b``). Returns ``(cols_t,
    out_spatial)``. This is the layout the fast convolution paths use, because

    * the input is copied channels-first once, so every tap copy below reads and writes
      contiguous runs (with 3 channels, channels-last copies move 3 floats at a time), and
    * ``cols_t[g].T`` is a Fortran-ordered matrix that BLAS multiplies without a copy.
    """
    x = np.asarray(x)
    rank, kernel_size, strides, dilation, pads = _setup(x.shape, kernel_size, strides, dilation, pads)
    batch, channels = x.shape[0], x.shape[-1]
    if channels % groups:
        raise ValueError(f"im2col_t: {channels} channels do not split into {groups} groups")
    padded = tuple(n + b + a for n, (b, a) in zip(x.shape[1:-1], pads))
    out = window_output_shape(padded, kernel_size, strides, dilation)
    # the padded input, channels first: (C, batch, *padded)
    xcf = np.zeros((channels, batch, *padded), dtype=x.dtype)
    interior = tuple(slice(b, b + n) for (b, _), n in zip(pads, x.shape[1:-1]))
    xcf[(slice(None), slice(None)) + interior] = np.moveaxis(x, -1, 0)
    xcf = xcf.reshape(groups, channels // groups, batch, *padded)
    taps = int(np.prod(kernel_size))
    rows = taps * (channels // groups)
    n_cols = batch * int(np.prod(out))
    cols_t = np.empty((groups, rows + int(ones_row), n_cols), dtype=x.dtype)
    buf = cols_t[:, :rows].reshape(groups, *kernel_size, channels // groups, batch, *out)
    # One iteration per kernel tap: copy that tap of every window (a strided slice) at once.
    for offset in itertools.product(*(range(k) for k in kernel_size)):
        window = window_slices(offset, out, strides, dilation)[1:-1]
        buf[(slice(None),) + offset] = xcf[(slice(None), slice(None), slice(None)) + window]
    if ones_row:
        cols_t[:, rows] = 1
    return cols_t, out


def col2im_t(dcols_t, x_shape, kernel_size, strides=1, dilation=1, pads=None, out_spatial=None,
             initial=None):
    """The adjoint of :func:`im2col_t` (without a ones row): ``(groups, K*C_g, N)`` -> ``dx``.

    Also accepts a 2-D ``(K*C, N)`` matrix (one group). ``out_spatial`` defaults to every window
    that fits the padded input. Fast when ``dcols_t`` is stored tap-major, e.g. the product
    ``W @ dz.T``. ``initial`` (a scalar or a ``(channels,)`` vector such as a bias) is where the
    sums start instead of zero. Returns a C-contiguous ``dx`` of shape ``x_shape`` (channels last).
    """
    x_shape = tuple(x_shape)
    rank, kernel_size, strides, dilation, pads = _setup(x_shape, kernel_size, strides, dilation, pads)
    batch, channels = x_shape[0], x_shape[-1]
    dcols_t = dcols_t if dcols_t.ndim == 3 else dcols_t[None]
    groups = dcols_t.shape[0]
    padded = tuple(n + b + a for n, (b, a) in zip(x_shape[1:-1], pads))
    if out_spatial is None:
        out_spatial = window_output_shape(padded, kernel_size, strides, dilation)
    out = tuple(out_spatial)
    _check_windows_fit("col2im", out, padded, kernel_size, strides, dilation)
    expected = (groups, int(np.prod(kernel_size)) * channels // groups, batch * int(np.prod(out)))
    if channels % groups or dcols_t.shape != expected:
        raise ValueError(f"col2im: columns of shape {dcols_t.shape} do not match kernel "
                         f"{kernel_size}, {channels} channels in {groups} group(s), batch {batch} "
                         f"and {out} windows (expected {expected})")
    dcols = dcols_t.reshape(groups, *kernel_size, channels // groups, batch, *out)
    dxp = np.zeros((groups, channels // groups, batch, *padded), dtype=dcols_t.dtype)
    if initial is not None:       # a scalar, or one value per channel (the channel axes lead here)
        dxp[...] = (np.reshape(initial, (groups, channels // groups) + (1,) * (rank + 1))
                    if np.ndim(initial) else initial)
    # One iteration per kernel tap: add that tap of every window back into a strided slice.
    # Windows that overlap hit the same positions in different iterations, so they sum.
    for offset in itertools.product(*(range(k) for k in kernel_size)):
        window = window_slices(offset, out, strides, dilation)[1:-1]
        dxp[(slice(None), slice(None), slice(None)) + window] += dcols[(slice(None),) + offset]
    dxp = dxp.reshape(channels, batch, *padded)
    interior = tuple(slice(b, b + n) for (b, _), n in zip(pads, x_shape[1:-1]))
    return np.ascontiguousarray(np.moveaxis(dxp[(slice(None), slice(None)) + interior], 0, -1))


def col2im_taps(taps, x_shape, kernel_size, strides=1, dilation=1, pads=None, initial=None):
    r"""The adjoint of im2col for tap-major columns: ``taps[t]`` is ``(batch, *out, C)``, tap ``t``
    (in ``itertools.product`` order of the kernel offsets) of every window.

    Tap :math:`a` of window :math:`p` lands on padded position :math:`ps + ad`. Write
    :math:`ad = qs + r` with :math:`0 \le r < s`: it lands on :math:`(p + q)s + r`, so every tap
    with the same *phase* :math:`r` adds into the dense grid of positions :math:`\equiv r \pmod s`,
    at the shift :math:`q`. Each phase grid is a buffer of its own; each tap adds one contiguous
    ``(batch, *out, C)`` block into one dense slice of it (instead of a slice strided by ``s``
    whose contiguous runs are only ``C`` long); at the end each phase is copied to its strided
    place in the output, cropping the padding on the way. With stride 1 there is one phase and
    the buffer is the padded output itself. ``initial`` (scalar or ``(C,)``, e.g. a bias) is where
    the sums start. Returns a C-contiguous array of shape ``x_shape``.
    """
    x_shape = tuple(x_shape)
    rank, kernel_size, strides, dilation, pads = _setup(x_shape, kernel_size, strides, dilation, pads)
    taps = np.asarray(taps)
    batch, channels = x_shape[0], x_shape[-1]
    out = tuple(taps.shape[2:2 + rank])
    expected = (int(np.prod(kernel_size)), batch, *out, channels)
    if taps.shape != expected:
        raise ValueError(f"col2im_taps: columns of shape {taps.shape} do not match kernel "
                         f"{kernel_size}, batch {batch} and {channels} channels (expected "
                         f"{expected})")
    padded = tuple(n + b + a for n, (b, a) in zip(x_shape[1:-1], pads))
    _check_windows_fit("col2im_taps", out, padded, kernel_size, strides, dilation)
    grid = tuple(-(-n // s) for n, s in zip(padded, strides))          # positions per phase
    phases = _accumulator((*strides, batch, *grid, channels), taps.dtype, initial)
    every = (slice(None),)
    for t, offset in enumerate(itertools.product(*(range(k) for k in kernel_size))):
        phase = tuple(a * d % s for a, d, s in zip(offset, dilation, strides))
        shift = tuple(a * d // s for a, d, s in zip(offset, dilation, strides))
        target = phases[phase + every + tuple(slice(q, q + o) for q, o in zip(shift, out))]
        np.add(target, taps[t], out=target)
    if all(s == 1 for s in strides):       # one phase: the padded output; crop the padding
        crop = tuple(slice(b, b + n) for (b, _), n in zip(pads, x_shape[1:-1]))
        return np.ascontiguousarray(phases[(0,) * rank + every + crop])
    result = np.empty(x_shape, dtype=taps.dtype)
    for phase in itertools.product(*(range(s) for s in strides)):
        # unpadded positions i with i + before = q s + r: i = first, first + s, ...
        firsts = [(r - b) % s for r, (b, _), s in zip(phase, pads, strides)]
        if any(f >= n for f, n in zip(firsts, x_shape[1:-1])):
            continue                                                     # the crop removed them
        dest = every + tuple(slice(f, None, s) for f, s in zip(firsts, strides))
        counts = result[dest].shape[1:-1]
        src = every + tuple(slice((f + b) // s, (f + b) // s + c)
                            for f, (b, _), s, c in zip(firsts, pads, strides, counts))
        result[dest] = phases[phase][src]
    return result


#: From this many channels on, im2col/col2im copy channels-last slices directly (each tap moves
#: runs of >= 8 contiguous floats); with fewer (RGB, grayscale) they go through the tap-major
#: buffer of im2col_t, whose copies are contiguous whatever the channel count.
CHANNELS_LAST_MIN = 8


def im2col(x, kernel_size, strides=1, dilation=1, pads=None):
    """Copy every window of ``x`` into a row: ``(batch, *out_spatial, prod(kernel_size)*channels)``.

    ``x`` is ``(batch, *spatial, channels)`` (1, 2 or 3 spatial axes), ``pads`` a ``(before,
    after)`` pair per spatial axis (zeros added first). A row lists its window in
    ``(k_1, ..., k_r, channels)`` order, so ``im2col(x) @ kernel.reshape(-1, filters)`` is the
    convolution with a Keras kernel. (With fewer than ``CHANNELS_LAST_MIN`` channels the result
    is a transposed view of :func:`im2col_t`'s tap-major buffer: same values, and BLAS multiplies
    it without a copy.)
    """
    x = np.asarray(x)
    if x.shape[-1] < CHANNELS_LAST_MIN:
        cols_t, out = im2col_t(x, kernel_size, strides, dilation, pads)
        return cols_t[0].T.reshape(x.shape[0], *out, -1)
    rank, kernel_size, strides, dilation, pads = _setup(x.shape, kernel_size, strides, dilation, pads)
    # One copy of the strided view of every window: with stride 1 a window's row of taps is one
    # contiguous run of kernel_size[-1] * channels numbers, copied as a whole.
    windows = window_view(pad(x, pads), kernel_size, strides, dilation)
    return np.ascontiguousarray(windows).reshape(*windows.shape[:1 + rank], -1)


def col2im(dcols, x_shape, kernel_size, strides=1, dilation=1, pads=None, initial=None):
    """The adjoint of :func:`im2col`: add each row's entries back where they came from.

    ``dcols`` is ``(batch, *out_spatial, prod(kernel_size)*channels)`` (or already split as
    ``(batch, *out_spatial, *kernel_size, channels)``); ``x_shape`` is the shape of the unpadded
    input ``(batch, *spatial, channels)``. Overlapping windows sum, padding is cut off again, and
    positions no window reaches get zero (or ``initial``: a scalar or a ``(channels,)`` vector,
    e.g. the bias of a transposed convolution, saving a pass). Returns a C-contiguous array of
    shape ``x_shape``.
    """
    x_shape = tuple(x_shape)
    rank, kernel_size, strides, dilation, pads = _setup(x_shape, kernel_size, strides, dilation, pads)
    dcols = np.asarray(dcols)
    out = tuple(dcols.shape[1:1 + rank])
    batch, channels = x_shape[0], x_shape[-1]
    if channels < CHANNELS_LAST_MIN or not dcols.flags.c_contiguous:
        dcols_t = dcols.reshape(batch * int(np.prod(out)), -1).T    # (K*C, N), a view
        return col2im_t(dcols_t, x_shape, kernel_size, strides, dilation, pads, out_spatial=out,
                        initial=initial)
    padded = tuple(n + b + a for n, (b, a) in zip(x_shape[1:-1], pads))
    _check_windows_fit("col2im", out, padded, kernel_size, strides, dilation)
    if dcols.size != batch * int(np.prod(out)) * int(np.prod(kernel_size)) * channels:
        raise ValueError(f"col2im: columns of shape {dcols.shape} do not match kernel "
                         f"{kernel_size} and {channels} channels")
    dcols = dcols.reshape(batch, *out, *kernel_size, channels)
    dxp = _accumulator((batch, *padded, channels), dcols.dtype, initial)
    taps = (slice(None),) * (1 + rank)
    # One iteration per kernel tap: add that tap of every window back into a strided slice.
    # Windows that overlap hit the same positions in different iterations, so they sum.
    for offset in itertools.product(*(range(k) for k in kernel_size)):
        dxp[window_slices(offset, out, strides, dilation)] += dcols[taps + offset]
    if not any(b or a for b, a in pads):
        return dxp
    crop = (slice(None),) + tuple(slice(b, b + n) for (b, _), n in zip(pads, x_shape[1:-1]))
    return np.ascontiguousarray(dxp[crop])


def full_correlation(dz, kernel, x_shape, dilation=1, pads=None):
    r"""The input gradient of a stride-1 convolution, computed as one more convolution.

    With stride 1, input position :math:`p` of the padded input is read by tap :math:`a` of
    window :math:`p - a d`, so

    .. math::  \frac{\partial L}{\partial x_p} = \sum_a \delta_{p - a d}\, W_a^\top
               = \sum_{a'} \tilde\delta_{p + a' d}\, W_{k-1-a'}^\top

    with :math:`\tilde\delta` the upstream gradient zero-padded by the kernel's reach
    :math:`d(k-1)` on each side: a *full* correlation of :math:`\delta` with the kernel flipped in
    space and transposed, ``(*k, F, C)``. It is computed as :func:`im2col` of the padded
    :math:`\delta` times that kernel, one copy and one matrix product, instead of the product
    ``delta @ W^T`` followed by :func:`col2im`'s tap-by-tap scatter. Only the positions of the
    unpadded input are computed (the padding is not read back). ``dz`` is ``(batch, *out, F)``,
    ``kernel`` a Keras kernel ``(*k, C, F)``; returns ``dx`` of shape ``x_shape``.
    """
    x_shape = tuple(x_shape)
    rank, kernel_size, _, dilation, pads = _setup(x_shape, kernel.shape[:-2], 1, dilation, pads)
    # dz padded so that window p of the result starts at unpadded input position p
    reach = [d * (k - 1) for k, d in zip(kernel_size, dilation)]
    full = [(r - before, n + before - o) for r, (before, _), n, o in
            zip(reach, pads, x_shape[1:-1], dz.shape[1:-1])]
    flipped = kernel[(slice(None, None, -1),) * rank]                 # W_{k-1-a}
    flipped_t = np.swapaxes(flipped, -1, -2).reshape(-1, x_shape[-1])  # (K*F, C)
    cols = im2col(dz, kernel_size, 1, dilation, full)                  # (batch, *x_spatial, K*F)
    return (cols.reshape(-1, flipped_t.shape[0]) @ flipped_t).reshape(x_shape)


def window_view(x_padded, kernel_size, strides=1, dilation=1):
    """A read-only view ``(batch, *out_spatial, *kernel_size, channels)`` of every window.

    ``view[b, p_1.., i_1.., c] == x_padded[b, p_1*s_1 + i_1*d_1, ..., c]``. No data is copied
    (``np.lib.stride_tricks.as_strided``), so a reduction over the kernel axes (max/average
    pooling) or a product with per-position weights (locally connected) reads the input once.
    Pad first with :func:`pad` if the layer pads.
    """
    x_padded = np.asarray(x_padded)
    rank = x_padded.ndim - 2
    kernel_size = _per_axis(kernel_size, rank, "kernel_size")
    strides = _per_axis(strides, rank, "strides")
    dilation = _per_axis(dilation, rank, "dilation")
    out = window_output_shape(x_padded.shape[1:-1], kernel_size, strides, dilation)
    st = x_padded.strides
    spatial_strides = st[1:-1]
    shape = (x_padded.shape[0], *out, *kernel_size, x_padded.shape[-1])
    strides_bytes = (st[0], *(a * s for a, s in zip(spatial_strides, strides)),
                     *(a * d for a, d in zip(spatial_strides, dilation)), st[-1])
    return as_strided(x_padded, shape=shape, strides=strides_bytes, writeable=False)
