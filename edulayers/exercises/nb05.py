"""Checks for the exercises of notebook 05, convolutional layers (``el.exercises.check("05.N", answer)``)."""

EXERCISES = {
    "05.1": dict(expected=[[2, 2], [1, 2]], atol=1e-9,
                 hint="per axis the zeros total max((ceil(n/s) - 1)*s + k - n, 0), half before and the "
                      "odd one after: n = 100 for the rows, n = 65 for the cols, k = 5, s = 3"),
    "05.2": dict(expected=[17664, 73856, 2], atol=1e-9,
                 hint="separable: 3*3*C*M + (C*M)*F + F, Conv2D: 3*3*C*F + F with C = 64, M = 2; "
                      "Conv2D is smaller while 577 F < 1152 + 129 F"),
    "05.3": dict(expected=15,
                 hint="r = 1 + sum over the layers of (k - 1) * d, with k = 3 and d = 1, 2, 4"),
    "05.4": dict(expected=4521.0, rtol=1e-9,
                 hint="np.sum(L.ZeroPadding2D(1)(x) * y): the border of y meets only zeros, so it is "
                      "also np.sum(x * L.Cropping2D(1)(y))"),
    "05.5": dict(expected=28,
                 hint="inside they agree; they differ where bilinear interpolation needs a neighbour "
                      "outside the 4x4 image: count the outer ring of the 8x8 output"),
    "05.6": dict(expected=0.2534113613073779, rtol=1e-3,
                 hint="blur with np.outer(g, g) (5x5, 'valid'), then the 3x3 Laplacian ('valid'); divide "
                      "the mean absolute response by that of the Laplacian alone on the photo"),
}
