"""How fast the explorers respond: one EMPlayer slider step, and EMTrace frame recomputation.

Run: ``GMM_MPL_BACKEND=inline MPLBACKEND=Agg .venv/bin/python benchmarks/bench_widgets.py``

A slider step is what happens between a learner moving the iteration slider and the new picture: the
responsibilities of that step are recomputed (the trace keeps only parameters), the artists are updated in
place, and the figure is drawn with Agg. The target is a median of at most 30 ms at n = 2,000, k = 3.
"""

import io
import os
import statistics
import time

os.environ.setdefault("GMM_MPL_BACKEND", "inline")

import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402

from gmm_teach import datasets  # noqa: E402
from gmm_teach.trace import EMTrace  # noqa: E402
from gmm_teach.widgets import EMPlayer  # noqa: E402

TARGET_MS = 30.0


def median_ms(function, arguments):
    """Median wall time of ``function(argument)`` over ``arguments``, in milliseconds."""
    times = []
    for argument in arguments:
        started = time.perf_counter()
        function(argument)
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times)


def blobs(n_samples):
    """Three overlapping clusters: EM needs a few dozen iterations to separate them."""
    return datasets.make_blobs(n_samples, means=[[0, 0], [1.5, 0.3], [0.3, 1.5]], random_state=0)[0]


def slider_step_ms(n_samples=2000, n_components=3, repeats=5, blit=True):
    """Median time of one slider step: set ``player.iteration``, update the artists, draw with Agg.

    With ``blit`` (what the explorers do) only the changing artists are drawn over a cached background;
    without it the whole figure is drawn, for comparison.
    """
    player = EMPlayer(blobs(n_samples), n_components=n_components, init_params="random_from_data", random_state=0)
    if not blit:
        player.redraw = lambda changed=None: player.host.redraw()  # a full Agg draw every step
    player.trace.cache_size = 0  # every step recomputes its responsibilities
    last = len(player.trace) - 1
    iterations = [t for _ in range(repeats) for t in list(range(1, last + 1)) + [0]]

    def step(iteration):
        player.iteration = iteration

    return median_ms(step, iterations), last


def png_encode_ms(n_samples=2000):
    """Median time to encode the canvas as PNG: added to a step in an inline kernel (not with ipympl)."""
    player = EMPlayer(blobs(n_samples), n_components=3, init_params="random_from_data", random_state=0)
    buffer_rgba = np.asarray(player.figure.canvas.buffer_rgba())
    return median_ms(lambda _: PIL.Image.fromarray(buffer_rgba).save(io.BytesIO(), format="png"), range(9))


def frame_recompute_ms(n_samples, n_components=3):
    """Median time to recompute one step's responsibilities from its stored parameters (cache off)."""
    trace = EMTrace.run(blobs(n_samples), n_components=n_components, random_state=0, tol=0.0, max_iter=20, cache_size=0)
    return median_ms(trace.responsibilities, list(range(1, len(trace)))), trace.nbytes


def main():
    step, n_iter = slider_step_ms()
    verdict = "ok" if step <= TARGET_MS else "SLOWER THAN TARGET"
    print(
        f"EMPlayer slider step, n=2,000, k=3 ({n_iter} iterations), update + Agg draw of the changed "
        f"artists: median {step:.1f} ms (target <= {TARGET_MS:.0f} ms: {verdict})"
    )
    full, _ = slider_step_ms(blit=False)
    print(f"  the same step with a full Agg redraw of the figure: median {full:.1f} ms")
    print(f"  PNG encoding added per step in an inline (non-ipympl) kernel: median {png_encode_ms():.1f} ms")
    for n_samples in (2_000, 20_000, 100_000):
        recompute, nbytes = frame_recompute_ms(n_samples)
        full = 21 * n_samples * 3 * 8
        print(
            f"EMTrace frame recompute, n={n_samples:,}, k=3: median {recompute:.2f} ms; trace holds "
            f"{nbytes / 1e6:.2f} MB (all 21 responsibility matrices would be {full / 1e6:.1f} MB)"
        )


if __name__ == "__main__":
    main()
