"""Confidence intervals the study reports, in one place."""
import numpy as np
from scipy import stats


def ratio_of_medians(a, b, paired=False, seed=1):
    """median(a) / median(b) and its 95% percentile-bootstrap interval (2000
    resamples, fixed seed): resampling each side's runs, or pairs of them
    (a[i], b[i]) when `paired`. Fewer than two runs: no interval (nan)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    point = float(np.median(a) / np.median(b))
    if len(a) < 2 or len(b) < 2:
        return point, float("nan"), float("nan")
    res = stats.bootstrap((a, b), lambda x, y: np.median(x) / np.median(y), paired=paired, vectorized=False,
                          n_resamples=2000, method="percentile", random_state=np.random.default_rng(seed))
    return point, float(res.confidence_interval.low), float(res.confidence_interval.high)
