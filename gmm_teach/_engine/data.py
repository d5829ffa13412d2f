"""The data prepared once for many fast E-steps: a centre, chunks of points and their feature columns.

Everything here is computed when the object is made (the centre, the scatter a tied model needs, the kept
feature blocks or the transposed copy that refills them), so a pass over the data never leaves state behind
for another module to read.
"""

import math

import numpy as np

CHUNK_BYTES = 2**19
"""Size of one chunk's feature block: small enough to stay in a core's cache while it is used twice."""

KEPT_FEATURES_BYTES = 2**23
"""For many passes (a fit, a replay), the feature columns of all points are computed once and kept when they
take at most 8 MiB: at 100,000 points and 2 features that saves a fifth of an E-step. Larger ones are refilled
chunk by chunk, which is faster than reading them back from memory (measured: the diagonal model at
50,000 x 50, 40 MB of features, 7.6 instead of 5.4 ms an iteration)."""

CENTRE_SAMPLE = 1024
"""About this many evenly spread points give the centre the features are taken about."""


class PreparedData:
    """The points ``X``, centred about a point inside the data, in chunks with the feature columns of ``model``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float64
    model : a fast model of :mod:`gmm_teach._engine.models` (it says which features a point gets)
    many_passes : bool
        True for a fit or a replay: worth keeping every chunk's features (up to :data:`KEPT_FEATURES_BYTES`), or
        a transposed centred copy of the data that refills them faster.
    sample_weight : ndarray of shape (n_samples,), optional
        Non-negative weights of the points: every sum over the points is weighted (:attr:`weight_total` is their
        sum; without weights, the number of points).
    """

    def __init__(self, X, model, many_passes=False, sample_weight=None):
        self.X, self.model = X, model
        self.weights = sample_weight
        self.weight_total = float(X.shape[0] if sample_weight is None else np.add.reduce(sample_weight))
        n_samples, n_features = X.shape
        # any centre inside the data will do (see models.FAR_FROM_CENTRE): the mean of about a thousand evenly
        # spread points; a matrix-vector product is 10x faster than X.mean(axis=0) on a tall, narrow array
        sample = X[:: max(1, n_samples // CENTRE_SAMPLE)]
        self.centre = np.ones(sample.shape[0]) @ sample / sample.shape[0]
        self.n_quadratic = model.n_quadratic_features(n_features)
        n_rows = self.n_quadratic + 1 + n_features
        chunk_size = int(min(n_samples, max(64, CHUNK_BYTES // (8 * n_rows))))
        self.chunks = [slice(start, min(start + chunk_size, n_samples)) for start in range(0, n_samples, chunk_size)]
        self._scratch = {}
        keep = chunk_size == n_samples or many_passes and 8 * n_rows * n_samples <= KEPT_FEATURES_BYTES
        self._transposed = None
        if keep:
            self._kept = [self._fill(rows, self._new_block(n_rows, rows)) for rows in self.chunks]
        else:
            self._kept, self._block = None, self._new_block(n_rows, self.chunks[0])
            if many_passes:  # later passes copy from it (3x faster than centring X[rows].T again)
                self._transposed = np.empty((n_features, n_samples))
                for rows in self.chunks:
                    np.subtract(X[rows].T, self.centre[:, np.newaxis], out=self._transposed[:, rows])
        self.scatter = self._scatter() if model.needs_scatter else None
        r"""The centred data's scatter :math:`\sum_i w_i x_i x_i^\top` (only for a model that needs it: tied)."""

    def feature_chunks(self):
        """The pairs ``(rows, features)``: a slice of points and their feature columns ``[q(x); 1; x]``.

        Kept blocks are returned as they are; otherwise one block is refilled chunk after chunk, so use it
        before asking for the next.
        """
        if self._kept is not None:
            return zip(self.chunks, self._kept)
        return ((rows, self._fill(rows, self._block[:, : rows.stop - rows.start])) for rows in self.chunks)

    def kept_arrays(self):
        """The arrays this object holds beyond a few chunks (kept features or the transposed copy)."""
        return list(self._kept or []) + ([self._transposed] if self._transposed is not None else [])

    def scratch(self, name, shape):
        """A reusable array of ``shape`` for one use (``name``) within a chunk: its old values are garbage.

        A fresh array per chunk would cost page faults (measured: a matrix product into a reused block
        takes half the time of one that allocates its result).
        """
        size = math.prod(shape)
        buffer = self._scratch.get(name)
        if buffer is None or buffer.size < size:
            buffer = self._scratch[name] = np.empty(size)
        return buffer[:size].reshape(shape)

    def centred_points(self, features):
        """The centred coordinates rows ``x`` of a feature block (points as columns)."""
        return features[self.n_quadratic + 1 :]

    def shifted_features(self, features, offset, model, name):
        """The feature columns of ``model`` for the same points about the centre plus ``offset`` (a component's own
        mean), written into the scratch block ``name``: the coordinates shifted, the quadratic features rebuilt."""
        n_features, n_points = len(offset), features.shape[1]
        n_quadratic = model.n_quadratic_features(n_features)
        block = self.scratch(name, (n_quadratic + 1 + n_features, n_points))
        block[n_quadratic] = 1.0
        centred = block[n_quadratic + 1 :]
        np.subtract(self.centred_points(features), offset[:, np.newaxis], out=centred)
        model.quadratic_features(centred, out=block[:n_quadratic])
        return block

    def _new_block(self, n_rows, rows):
        block = np.empty((n_rows, rows.stop - rows.start))
        block[self.n_quadratic] = 1.0
        return block

    def _fill(self, rows, features):
        """Write the feature columns of the points ``rows`` into ``features`` (the row of ones is there)."""
        centred = self.centred_points(features)
        if self._transposed is not None:
            np.copyto(centred, self._transposed[:, rows])
        else:
            np.subtract(self.X[rows].T, self.centre[:, np.newaxis], out=centred)
        self.model.quadratic_features(centred, out=features[: self.n_quadratic])
        return features

    def _scatter(self):
        scatter = 0.0
        for rows, features in self.feature_chunks():
            centred = self.centred_points(features)
            scatter += centred @ (centred if self.weights is None else centred * self.weights[rows]).T
        return scatter

    def weighted(self, responsibilities, rows=slice(None)):
        """Responsibilities (k, m) of the points ``rows`` times their sample weights (as they are without)."""
        return responsibilities if self.weights is None else responsibilities * self.weights[rows]
