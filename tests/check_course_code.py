"""The course's own code as students have it, for the checker's tests (copied from the course text).

SEED_* are the seed notebook's cells (convolution-step-by-step): its first cell with the imports and
IPython magics, and its zero_pad, conv_single_step (returns `np.sum(s) + b`, shape (1, 1, 1)) and
conv_forward. COURSE_2018_CONV_SINGLE_STEP is the 2018 course's version (`Z + float(b)`).
"""

SEED_FIRST_CELL = """import numpy as np
import h5py
import matplotlib.pyplot as plt

%matplotlib inline
plt.rcParams['figure.figsize'] = (5.0, 4.0) # set default size of plots
plt.rcParams['image.interpolation'] = 'nearest'
plt.rcParams['image.cmap'] = 'gray'

%load_ext autoreload
%autoreload 2

np.random.seed(1)
"""

SEED_ZERO_PAD = '''def zero_pad(X,pad):

    """
    Pad with zeros all images of the dataset X. The padding is applied to the height and width of an image,
    as illustrated in Figure 1.
    """
    X_pad = np.pad(X,((0,0),(pad,pad),(pad,pad),(0,0)),'constant')

    return X_pad
'''

SEED_ZERO_PAD_TEST = """np.random.seed(1)
x = np.random.randn(4, 3, 3, 2)
x_pad = zero_pad(x, 2)
print ("x.shape =", x.shape)
print ("x_pad.shape =", x_pad.shape)
print ("x[1,1] =", x[1,1])
print ("x_pad[1,1] =", x_pad[1,1])
"""

SEED_CONV_SINGLE_STEP = '''def conv_single_step(a_slice_prev, W, b):
    """
    Apply one filter defined by parameters W on a single slice (a_slice_prev) of the output activation
    of the previous layer.
    """
    s=np.multiply(a_slice_prev,W)

    Z = np.sum(s) + b

    return Z
'''

COURSE_2018_CONV_SINGLE_STEP = """def conv_single_step(a_slice_prev, W, b):
    # Element-wise product between a_slice and W. Do not add the bias yet.
    s = np.multiply(a_slice_prev, W)
    # Sum over all entries of the volume s.
    Z = np.sum(s)
    # Add bias b to Z. Cast b to a float() so that Z results in a scalar value.
    Z = Z + float(b)
    return Z
"""

SEED_CONV_FORWARD = '''def conv_forward(A_prev, W, b, hparameters):
    """
    Implements the forward propagation for a convolution function
    """

    (m,n_H_prev,n_W_prev,n_C_prev) = A_prev.shape

    (f, f, n_C_prev, n_C) = W.shape

    stride = hparameters['stride']
    pad = hparameters['pad']

    n_H = int((n_H_prev + 2 * pad - f) / stride + 1)
    n_W = int((n_W_prev + 2 * pad - f) / stride + 1)

    Z = np.zeros((m, n_H, n_W, n_C))

    A_prev_pad = zero_pad(A_prev, pad)

    for i in range(m):
        a_prev_pad = A_prev_pad[i,:,:,:]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start = h * stride
                    vert_end = vert_start + f
                    horiz_start = w * stride
                    horiz_end = horiz_start + f

                    a_slice_prev = a_prev_pad[vert_start:vert_end,horiz_start:horiz_end,:]

                    Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:,:,:,c], b[:,:,:,c])

    assert(Z.shape == (m, n_H, n_W, n_C))

    cache = (A_prev, W, b, hparameters)


    return Z, cache
'''


def notebook(*cells: str) -> dict:
    """An .ipynb (nbformat 4) with these code cells and a markdown cell between each."""
    out = []
    for k, src in enumerate(cells):
        out.append({"cell_type": "markdown", "metadata": {}, "source": [f"## Part {k}"]})
        out.append(
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": src.splitlines(keepends=True),
            }
        )
    return {"cells": out, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
