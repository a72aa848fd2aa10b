"""Opinion-group pipeline ("common ground", 最大公约数) as Pol.is computes it.

Participants vote agree (1), disagree (-1) or pass (0) on short statements. This module turns
those votes into opinion groups, a 2-D map, consensus statements and representative statements
per group. It is pure numeric code over numpy arrays: no Django, no ORM, no pandas.

The definitions follow red-dwarf 0.4.0 (``reddwarf.implementations.polis.run_pipeline``), a Python
port of the Pol.is math, step by step:

1. ``build_vote_matrix`` -- sparse participant x statement matrix. Duplicate votes keep the most
   recent one (earliest in the input on equal timestamps), like red-dwarf's loader.
2. ``clusterable_participants`` -- participants with at least 7 votes (counted on the raw
   matrix, so votes on moderated-out statements count).
3. ``project_pca`` -- PCA to two dimensions over *all* participants. Missing votes are imputed
   with the statement's mean vote, moderated-out statements are zeroed, principal axes get
   scikit-learn's sign convention (largest loading positive) and each participant's projection
   is scaled by ``sqrt(n_statements / max(1, n_votes))`` so sparse voters are not bunched in the
   centre. Because mean imputation makes the centred matrix exactly as sparse as the votes, the
   principal axes are found without ever building the dense 50,000 x 1,000 matrix.
4. ``cluster_kmeans`` -- k-means (Lloyd, as scikit-learn runs it) on the clusterable
   participants for k = 2..5, initial centres = the first k distinct points in lexicographic
   order (red-dwarf's "polis" strategy), k chosen by the best silhouette score.
5. ``comment_statistics`` -- per group and statement: counts, Laplace-smoothed probabilities,
   one-proportion z-tests (``pat``/``pdt``), representativeness ratios and two-proportion z-tests
   (``rat``/``rdt``).
6. ``select_consensus`` -- Pol.is/red-dwarf consensus: statements most of *all* voters agree
   (or disagree) with, significant at 90 %, best first.
   ``select_group_informed_consensus`` -- statements *every group* agrees (disagrees) with,
   ranked by the group-aware-consensus score (product of the groups' agree probabilities).
7. ``select_repness`` -- red-dwarf's representative-statement selection per group.

Everything is deterministic for a given ``seed`` (it seeds the Lanczos start vector and the
silhouette sample used above ``SILHOUETTE_EXACT_MAX`` participants).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Literal, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CannotGroupError",
    "Clustering",
    "CommentStats",
    "ConsensusError",
    "ConsensusResult",
    "NotEnoughParticipantsError",
    "PipelineResult",
    "PlantedVotes",
    "Projection",
    "RepStatement",
    "VoteMatrix",
    "build_vote_matrix",
    "cluster_kmeans",
    "clusterable_participants",
    "comment_statistics",
    "make_planted_votes",
    "project_pca",
    "run_pipeline",
    "select_consensus",
    "select_group_informed_consensus",
    "select_repness",
    "silhouette_score",
]

MIN_VOTES = 7
"""A participant needs this many votes to be grouped (Pol.is and red-dwarf use 7)."""
MIN_PARTICIPANTS = 15
"""A conversation needs this many participants with ``MIN_VOTES`` votes to be grouped."""
K_RANGE = (2, 5)
PICK_MAX = 5
CONFIDENCE = 0.9
SILHOUETTE_EXACT_MAX = 3000
"""Up to this many participants the silhouette score is exact; above, a seeded sample."""

AGREE, DISAGREE, PASS = 1, -1, 0

T = TypeVar("T")

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


# --------------------------------------------------------------------------- errors


class ConsensusError(Exception):
    """Base class of the errors this package raises."""


class CannotGroupError(ConsensusError):
    """The conversation cannot be split into opinion groups."""


class NotEnoughParticipantsError(CannotGroupError):
    """Too few participants voted often enough to be grouped; grouping them would draw noise."""

    def __init__(self, found: int, required: int = MIN_PARTICIPANTS, min_votes: int = MIN_VOTES):
        self.found = found
        self.required = required
        self.min_votes = min_votes
        super().__init__(
            f"参与人数不足：至少需要 {required} 位投过 {min_votes} 票以上的居民才能分组"
            f"（目前只有 {found} 位）。"
            f" Not enough participants: grouping needs at least {required} participants"
            f" with {min_votes} or more votes (found {found})."
        )


# --------------------------------------------------------------------------- data types


@dataclass(frozen=True)
class VoteMatrix:
    """Sparse participant x statement vote matrix in coordinate form.

    ``rows``/``cols`` index ``participant_ids``/``statement_ids`` (both sorted ascending);
    ``values`` are -1, 0 or 1. Each (row, col) pair occurs at most once. Only participants and
    statements with at least one vote appear, as in red-dwarf's pivoted matrix.
    """

    participant_ids: IntArray
    statement_ids: IntArray
    rows: NDArray[np.int32]
    cols: NDArray[np.int32]
    values: NDArray[np.int8]

    @property
    def n_participants(self) -> int:
        return len(self.participant_ids)

    @property
    def n_statements(self) -> int:
        return len(self.statement_ids)

    @property
    def n_votes(self) -> int:
        return len(self.values)

    def votes_per_participant(self) -> IntArray:
        return np.bincount(self.rows, minlength=self.n_participants).astype(np.int64)

    def to_dense(self) -> FloatArray:
        """Dense float matrix with NaN for missing votes (for tests and small data only)."""
        dense = np.full((self.n_participants, self.n_statements), np.nan)
        dense[self.rows, self.cols] = self.values
        return dense


@dataclass(frozen=True)
class Projection:
    """PCA result: ``coords`` has one (x, y) row per participant of the matrix."""

    coords: FloatArray
    components: FloatArray
    mean: FloatArray
    explained_variance: FloatArray


@dataclass(frozen=True)
class Clustering:
    """k-means result over the clusterable participants."""

    labels: IntArray
    centers: FloatArray
    k: int
    silhouette_by_k: dict[int, float]


@dataclass(frozen=True)
class CommentStats:
    """Statement statistics per group, arrays of shape (n_groups, n_statements).

    Names follow Pol.is: ``na``/``nd``/``ns`` agree, disagree and total counts; ``pa``/``pd``
    smoothed probabilities; ``pat``/``pdt`` their one-proportion z-scores; ``ra``/``rd`` ratio
    to the rest of the participants; ``rat``/``rdt`` two-proportion z-scores.
    """

    na: IntArray
    nd: IntArray
    ns: IntArray
    pa: FloatArray
    pd: FloatArray
    pat: FloatArray
    pdt: FloatArray
    ra: FloatArray
    rd: FloatArray
    rat: FloatArray
    rdt: FloatArray

    @property
    def group_aware_consensus_agree(self) -> FloatArray:
        return np.prod(self.pa, axis=0)

    @property
    def group_aware_consensus_disagree(self) -> FloatArray:
        return np.prod(self.pd, axis=0)


@dataclass(frozen=True)
class ConsensusResult:
    """Statement ids, best first."""

    agree: list[int]
    disagree: list[int]


@dataclass(frozen=True)
class RepStatement:
    """A statement representative of a group, in Pol.is's ``repness`` format."""

    statement_id: int
    direction: Literal["agree", "disagree"]
    n_success: int
    n_trials: int
    p_success: float
    p_test: float
    repness: float
    repness_test: float
    best_agree: bool = False


@dataclass
class PipelineResult:
    """Everything the pipeline computed. Ids are the caller's participant/statement ids."""

    participant_ids: IntArray
    """Clusterable participants (at least ``MIN_VOTES`` votes), ascending."""
    labels: IntArray
    """Group number (0-based) of each clusterable participant."""
    coords: FloatArray
    """Map coordinates of each clusterable participant."""
    group_centers: FloatArray
    """Map coordinates of each group's centre, row = group number."""
    k: int
    silhouette_by_k: dict[int, float]
    consensus: ConsensusResult
    group_informed_consensus: ConsensusResult
    group_aware_consensus: dict[int, tuple[float, float]]
    """Statement id -> (agree, disagree) group-aware-consensus score."""
    repness: dict[int, list[RepStatement]]
    timings: dict[str, float] = field(default_factory=dict)

    def groups(self) -> dict[int, int]:
        return {int(p): int(g) for p, g in zip(self.participant_ids, self.labels, strict=True)}

    def to_json(
        self, consensus: Literal["polis", "group-informed"] = "polis"
    ) -> dict[str, dict[str, object]]:
        """The CLI's JSON shape: groups by participant, consensus and repness ids, best first.

        ``consensus="polis"`` reports Pol.is/red-dwarf consensus (majority of all voters);
        ``"group-informed"`` reports statements every group agrees (disagrees) with.
        """
        chosen = self.consensus if consensus == "polis" else self.group_informed_consensus
        return {
            "groups": {str(p): g for p, g in self.groups().items()},
            "consensus": {"agree": list(chosen.agree), "disagree": list(chosen.disagree)},
            "repness": {
                str(g): [r.statement_id for r in reps] for g, reps in sorted(self.repness.items())
            },
        }


# --------------------------------------------------------------------------- step 1: matrix


def _index_ids(ids: IntArray) -> tuple[IntArray, NDArray[np.int32]]:
    """Sorted unique ids and the position of each input id among them."""
    if len(ids) and ids.min() >= 0 and ids.max() < 4 * len(ids) + 1024:
        present = np.bincount(ids)
        unique = np.flatnonzero(present).astype(np.int64)
        position = np.cumsum(present > 0, dtype=np.int64) - 1
        return unique, position[ids].astype(np.int32)
    unique, inverse = np.unique(ids, return_inverse=True)
    return unique.astype(np.int64), inverse.astype(np.int32)


def build_vote_matrix(
    voter_ids: ArrayLike,
    statement_ids: ArrayLike,
    votes: ArrayLike,
    timestamps: ArrayLike | None = None,
) -> VoteMatrix:
    """Step 1: the sparse vote matrix from parallel vote arrays.

    When a participant voted several times on a statement, the vote with the greatest timestamp
    wins; on equal (or no) timestamps the first one in input order wins (red-dwarf's loader).
    """
    voter = np.asarray(voter_ids, dtype=np.int64)
    statement = np.asarray(statement_ids, dtype=np.int64)
    value = np.asarray(votes)
    if not (len(voter) == len(statement) == len(value)):
        raise ValueError("voter_ids, statement_ids and votes must have the same length")
    if len(value) and not np.isin(value, (AGREE, DISAGREE, PASS)).all():
        raise ValueError("votes must be 1 (agree), -1 (disagree) or 0 (pass)")
    value = value.astype(np.int8)
    p_ids, rows = _index_ids(voter)
    s_ids, cols = _index_ids(statement)

    # Pol.is exports are sorted by (statement, voter): detect "no duplicates" in O(n).
    key = cols.astype(np.int64) * max(len(p_ids), 1) + rows
    if len(key) > 1 and not bool(np.all(key[1:] > key[:-1])):
        if timestamps is None:
            order = np.argsort(key, kind="stable")
        else:
            ts = np.asarray(timestamps, dtype=np.float64)
            order = np.lexsort((np.arange(len(key)), -ts, key))
        sorted_key = key[order]
        keep = np.ones(len(order), dtype=bool)
        keep[1:] = sorted_key[1:] != sorted_key[:-1]
        chosen = order[keep]
        rows, cols, value = rows[chosen], cols[chosen], value[chosen]
    return VoteMatrix(p_ids, s_ids, rows, cols, value)


# --------------------------------------------------------------------------- step 2: filter


def clusterable_participants(matrix: VoteMatrix, min_votes: int = MIN_VOTES) -> NDArray[np.bool_]:
    """Step 2: mask of participants with at least ``min_votes`` votes."""
    return matrix.votes_per_participant() >= min_votes


# --------------------------------------------------------------------------- step 3: PCA


def _statement_mask(matrix: VoteMatrix, statement_ids: Iterable[int]) -> NDArray[np.bool_]:
    wanted = np.asarray(sorted({int(s) for s in statement_ids}), dtype=np.int64)
    return np.isin(matrix.statement_ids, wanted)


def _flip_signs(components: FloatArray) -> FloatArray:
    """scikit-learn's ``svd_flip(u_based_decision=False)``: largest |loading| is positive."""
    idx = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(len(components)), idx])
    signs[signs == 0] = 1.0
    return components * signs[:, None]


def _top_eigen_dense(
    rows: NDArray[np.int32], cols: NDArray[np.int32], vals: FloatArray, n: int, p: int, k: int
) -> tuple[FloatArray, FloatArray]:
    dense = np.zeros((n, p))
    dense[rows, cols] = vals
    cov = dense.T @ dense
    evals, evecs = np.linalg.eigh(cov)
    order = np.argsort(evals)[::-1][:k]
    return evals[order], evecs[:, order].T


def _top_eigen_lanczos(
    rows: NDArray[np.int32],
    cols: NDArray[np.int32],
    vals: FloatArray,
    n: int,
    p: int,
    k: int,
    seed: int,
    tol: float = 1e-11,
) -> tuple[FloatArray, FloatArray]:
    """Top-k eigenpairs of ``X.T @ X`` for sparse X, Lanczos with full reorthogonalisation."""

    def apply(v: FloatArray) -> FloatArray:
        u = np.bincount(rows, weights=vals * v[cols], minlength=n)
        return np.bincount(cols, weights=vals * u[rows], minlength=p)

    max_steps = p
    basis = np.zeros((max_steps + 1, p))
    alphas: list[float] = []
    betas: list[float] = []
    v = np.random.default_rng(seed).standard_normal(p)
    basis[0] = v / np.linalg.norm(v)
    evals = np.zeros(0)
    evecs_t = np.zeros((0, 0))
    m = 0
    for j in range(max_steps):
        w = apply(basis[j])
        alpha = float(basis[j] @ w)
        for _ in range(2):  # twice is enough (Kahan-Parlett)
            w -= basis[: j + 1].T @ (basis[: j + 1] @ w)
        beta = float(np.linalg.norm(w))
        alphas.append(alpha)
        m = j + 1
        done = m == max_steps or beta <= tol * max(abs(alpha), 1e-300)
        if m >= k and (done or m % 4 == 0):
            tri = np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1)
            evals, evecs_t = np.linalg.eigh(tri)
            top = np.argsort(evals)[::-1][:k]
            residual = np.abs(beta * evecs_t[-1, top])
            if done or np.all(residual <= tol * max(abs(evals[top[0]]), 1e-300)):
                evals, evecs_t = evals[top], evecs_t[:, top]
                break
        if done:
            break
        betas.append(beta)
        basis[j + 1] = w / beta
    vectors = (basis[:m].T @ evecs_t).T
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return evals, vectors


def project_pca(
    matrix: VoteMatrix,
    mod_out_statement_ids: Iterable[int] = (),
    n_components: int = 2,
    seed: int = 0,
    method: Literal["auto", "dense", "lanczos"] = "auto",
) -> Projection:
    """Step 3: PCA of the mean-imputed vote matrix, with Pol.is's sparsity-aware scaling.

    Matches red-dwarf's ``run_reducer``: SimpleImputer(mean) -> PCA(2) -> SparsityAwareScaler.
    Moderated-out statements are zeroed for everyone first (so they carry no variance but do
    count as "voted" in the scaling, as in red-dwarf).
    """
    n, p = matrix.n_participants, matrix.n_statements
    mod_out = _statement_mask(matrix, mod_out_statement_ids)
    keep = ~mod_out[matrix.cols]
    rows, cols = matrix.rows[keep], matrix.cols[keep]
    vals = matrix.values[keep].astype(np.float64)
    counts = np.bincount(cols, minlength=p)
    sums = np.bincount(cols, weights=vals, minlength=p)
    mean = np.divide(sums, counts, out=np.zeros(p), where=counts > 0)
    centred = vals - mean[cols]
    k = min(n_components, p, max(n - 1, 1))
    if method == "auto":
        method = "dense" if float(n) * p * p <= 2e9 else "lanczos"
    if method == "dense":
        evals, comps = _top_eigen_dense(rows, cols, centred, n, p, k)
    else:
        evals, comps = _top_eigen_lanczos(rows, cols, centred, n, p, k, seed)
    comps = _flip_signs(comps)
    if k < n_components:  # degenerate tiny input: pad with zero axes
        comps = np.vstack([comps, np.zeros((n_components - k, p))])
        evals = np.concatenate([evals, np.zeros(n_components - k)])
    coords = np.zeros((n, n_components))
    for c in range(n_components):
        coords[:, c] = np.bincount(rows, weights=centred * comps[c, cols], minlength=n)
    n_votes = np.bincount(rows, minlength=n) + int(mod_out.sum())
    scale = np.sqrt(p / np.maximum(1, n_votes))
    coords *= scale[:, None]
    variance = evals / max(n - 1, 1)
    return Projection(coords=coords, components=comps, mean=mean, explained_variance=variance)


# --------------------------------------------------------------------------- step 4: k-means


def _assign(x: FloatArray, centers: FloatArray) -> IntArray:
    # scikit-learn's distance for the argmin: ||c||^2 - 2 x.c (||x||^2 is constant per row).
    dist = (centers**2).sum(axis=1)[None, :] - 2.0 * (x @ centers.T)
    return np.argmin(dist, axis=1).astype(np.int64)


def _lloyd(x: FloatArray, init: FloatArray, max_iter: int = 300, tol: float = 1e-4) -> IntArray:
    """Lloyd's k-means exactly as scikit-learn's ``KMeans(init=array, n_init=1)`` runs it."""
    k = len(init)
    tol_abs = float(np.mean(np.var(x, axis=0))) * tol
    x_mean = x.mean(axis=0)
    xc = x - x_mean
    centers = init - x_mean
    labels_old = np.full(len(x), -1, dtype=np.int64)
    strict = False
    for _ in range(max_iter):
        labels = _assign(xc, centers)
        weights = np.bincount(labels, minlength=k).astype(np.float64)
        sums = np.stack([np.bincount(labels, weights=xc[:, d], minlength=k) for d in (0, 1)], 1)
        empty = np.flatnonzero(weights == 0)
        if len(empty):  # scikit-learn relocates empty clusters to the farthest points
            dist = ((xc - centers[labels]) ** 2).sum(axis=1)
            far = np.argpartition(dist, -len(empty))[: -len(empty) - 1 : -1]
            for cluster, idx in zip(empty, far, strict=True):
                old = labels[idx]
                sums[old] -= xc[idx]
                sums[cluster] = xc[idx]
                weights[cluster] = 1.0
                weights[old] -= 1.0
        new_centers = sums / np.maximum(weights, 1e-300)[:, None]
        shift = ((new_centers - centers) ** 2).sum()
        centers = new_centers
        if np.array_equal(labels, labels_old):
            strict = True
            break
        if shift <= tol_abs:
            break
        labels_old = labels
    if not strict:
        labels = _assign(xc, centers)
    return labels


def _pairwise_distances(x: FloatArray) -> FloatArray:
    dist = np.subtract.outer(x[:, 0], x[:, 0])
    dist *= dist
    dy = np.subtract.outer(x[:, 1], x[:, 1])
    dy *= dy
    dist += dy
    del dy
    return np.sqrt(dist, out=dist)


def silhouette_score(
    x: FloatArray,
    labels: IntArray,
    sample: NDArray[np.int64] | None = None,
    distances: FloatArray | None = None,
) -> float:
    """Mean silhouette coefficient (scikit-learn's definition), optionally on a sample.

    ``distances`` may hold the precomputed pairwise distances of the (sampled) points.
    """
    if sample is not None:
        x, labels = x[sample], labels[sample]
    _, labels = np.unique(labels, return_inverse=True)
    k = int(labels.max()) + 1
    if not 1 < k < len(x):
        raise ValueError("silhouette needs 2 <= n_labels < n_samples")
    if distances is None:
        distances = _pairwise_distances(x)
    onehot = np.zeros((len(x), k))
    onehot[np.arange(len(x)), labels] = 1.0
    sums = distances @ onehot
    freq = np.bincount(labels, minlength=k).astype(np.float64)
    own = sums[np.arange(len(x)), labels]
    with np.errstate(divide="ignore", invalid="ignore"):
        a = own / (freq[labels] - 1)
        means = sums / freq[None, :]
        means[np.arange(len(x)), labels] = np.inf
        b = means.min(axis=1)
        s = (b - a) / np.maximum(a, b)
    return float(np.mean(np.nan_to_num(s)))


def cluster_kmeans(
    coords: FloatArray, k_range: tuple[int, int] = K_RANGE, seed: int = 0
) -> Clustering:
    """Step 4: k-means for each k in ``k_range`` (inclusive); keep the best silhouette.

    Initial centres are the first k distinct points in lexicographic order, as red-dwarf's
    ``PolisKMeans(init="polis")``; ties in silhouette keep the smaller k.
    """
    distinct = np.unique(coords, axis=0)
    sample = None
    if len(coords) > SILHOUETTE_EXACT_MAX:
        rng = np.random.default_rng(seed)
        sample = np.sort(rng.choice(len(coords), SILHOUETTE_EXACT_MAX, replace=False))
    distances = _pairwise_distances(coords if sample is None else coords[sample])
    best: tuple[float, int, IntArray] | None = None
    scores: dict[int, float] = {}
    for k in range(k_range[0], k_range[1] + 1):
        if len(distinct) < k or len(coords) <= k:
            break
        labels = _lloyd(coords, distinct[:k])
        if len(np.unique(labels)) < 2:
            continue
        try:
            score = silhouette_score(coords, labels, sample, distances)
        except ValueError:
            continue
        scores[k] = score
        if best is None or score > best[0]:
            best = (score, k, labels)
    if best is None:
        raise CannotGroupError(
            "所有居民的投票几乎完全相同，无法分组。"
            " Participants' votes are too uniform to form opinion groups."
        )
    _, k, labels = best
    centers = np.stack([coords[labels == g].mean(axis=0) for g in range(k)])
    return Clustering(labels=labels, centers=centers, k=k, silhouette_by_k=scores)


# --------------------------------------------------------------------------- step 5: stats


def _one_prop_test(succ: IntArray, n: IntArray) -> FloatArray:
    succ = succ + 1
    n = n + 1
    return 2 * np.sqrt(n) * ((succ / n) - 0.5)


def _two_prop_test(
    succ_in: IntArray, succ_out: IntArray, n_in: IntArray, n_out: IntArray
) -> FloatArray:
    succ_in, succ_out, n_in, n_out = succ_in + 1, succ_out + 1, n_in + 1, n_out + 1
    pi1 = succ_in / n_in
    pi2 = succ_out / n_out
    pi_hat = (succ_in + succ_out) / (n_in + n_out)
    denominator = np.sqrt(pi_hat * (1 - pi_hat) * (1 / n_in + 1 / n_out))
    with np.errstate(divide="ignore", invalid="ignore"):
        result = (pi1 - pi2) / denominator
    return np.where(pi_hat == 1, 0.0, result)


def comment_statistics(
    matrix: VoteMatrix,
    labels: IntArray | None = None,
    participants: NDArray[np.bool_] | None = None,
) -> CommentStats:
    """Step 5: statement statistics per group (red-dwarf's ``calculate_comment_statistics``).

    ``labels`` gives a group (0..k-1) per selected participant; ``participants`` selects rows
    of the matrix (default all). Without labels everyone is one group 0.
    """
    n, p = matrix.n_participants, matrix.n_statements
    group_of = np.full(n, -1, dtype=np.int64)
    selected = np.ones(n, dtype=bool) if participants is None else participants
    n_selected = int(selected.sum())
    group_of[selected] = 0 if labels is None else np.asarray(labels, dtype=np.int64)
    k = int(group_of.max()) + 1 if n_selected else 1
    g = group_of[matrix.rows]
    inside = g >= 0
    bins = g[inside] * p + matrix.cols[inside]
    v = matrix.values[inside]

    def count(mask: NDArray[np.bool_] | None) -> IntArray:
        chosen = bins if mask is None else bins[mask]
        return np.bincount(chosen, minlength=k * p).reshape(k, p).astype(np.int64)

    ns, na, nd = count(None), count(v == AGREE), count(v == DISAGREE)
    na_out, nd_out, ns_out = na.sum(0) - na, nd.sum(0) - nd, ns.sum(0) - ns
    pa = (1 + na) / (2 + ns)
    pd = (1 + nd) / (2 + ns)
    return CommentStats(
        na=na,
        nd=nd,
        ns=ns,
        pa=pa,
        pd=pd,
        pat=_one_prop_test(na, ns),
        pdt=_one_prop_test(nd, ns),
        ra=pa / ((1 + na_out) / (2 + ns_out)),
        rd=pd / ((1 + nd_out) / (2 + ns_out)),
        rat=_two_prop_test(na, na_out, ns, ns_out),
        rdt=_two_prop_test(nd, nd_out, ns, ns_out),
    )


# --------------------------------------------------------------------------- step 6: consensus


def _critical_z(confidence: float) -> float:
    if confidence == 0.9:
        return 1.2815515655446004  # scipy.stats.norm.ppf(0.9), to the last bit
    return NormalDist().inv_cdf(confidence)


def _pandas_order(values: NDArray[np.generic], ascending: bool = True) -> IntArray:
    """The row order pandas' ``sort_values`` (default quicksort) gives, ties included."""
    if ascending:
        return np.argsort(values, kind="quicksort")
    reversed_idx = np.arange(len(values))[::-1]
    return reversed_idx[np.argsort(values[::-1], kind="quicksort")][::-1]


def select_consensus(
    matrix: VoteMatrix,
    mod_out_statement_ids: Iterable[int] = (),
    pick_max: int = PICK_MAX,
    confidence: float = CONFIDENCE,
    prob_threshold: float = 0.5,
) -> ConsensusResult:
    """Step 6a: Pol.is consensus statements, as red-dwarf's ``select_consensus_statements``.

    Over all voters (also those with fewer than 7 votes): a statement is an agree-consensus
    candidate when its smoothed agree probability exceeds ``prob_threshold`` and the
    one-proportion z-test is significant at ``confidence``; candidates are ranked by
    probability x z-score. Likewise for disagree.
    """
    stats = comment_statistics(matrix)
    keep = ~_statement_mask(matrix, mod_out_statement_ids)
    z = _critical_z(confidence)
    picked: list[list[int]] = []
    for prob, test in ((stats.pa[0], stats.pat[0]), (stats.pd[0], stats.pdt[0])):
        candidates = np.flatnonzero(keep & (prob > prob_threshold) & (test > z))
        metric = prob[candidates] * test[candidates]
        _, dense_rank = np.unique(-metric, return_inverse=True)
        order = _pandas_order((dense_rank + 1).astype(np.int64))
        picked.append([int(matrix.statement_ids[candidates[i]]) for i in order[:pick_max]])
    return ConsensusResult(agree=picked[0], disagree=picked[1])


def select_group_informed_consensus(
    matrix: VoteMatrix,
    stats: CommentStats,
    mod_out_statement_ids: Iterable[int] = (),
    pick_max: int = PICK_MAX,
    confidence: float = CONFIDENCE,
) -> ConsensusResult:
    """Step 6b: statements *every* group agrees (disagrees) with, best first.

    A statement qualifies for "agree" when in every group the smoothed agree probability is
    above one half and its one-proportion z-test is significant at ``confidence``; qualifying
    statements are ranked by the group-aware-consensus score (product over groups of the agree
    probability, as in Pol.is's report), ties by statement id. Likewise for disagree.
    """
    keep = ~_statement_mask(matrix, mod_out_statement_ids)
    z = _critical_z(confidence)
    picked: list[list[int]] = []
    for prob, test in ((stats.pa, stats.pat), (stats.pd, stats.pdt)):
        ok = keep & np.all(prob > 0.5, axis=0) & np.all(test > z, axis=0)
        candidates = np.flatnonzero(ok)
        score = np.prod(prob, axis=0)[candidates]
        order = np.argsort(-score, kind="stable")[:pick_max]
        picked.append([int(matrix.statement_ids[candidates[i]]) for i in order])
    return ConsensusResult(agree=picked[0], disagree=picked[1])


# --------------------------------------------------------------------------- step 7: repness


def _rep_statement(stats: CommentStats, g: int, c: int, statement_id: int) -> RepStatement:
    agree = float(stats.rat[g, c]) > float(stats.rdt[g, c])
    if agree:
        n, p, pt, r, rt = stats.na, stats.pa, stats.pat, stats.ra, stats.rat
    else:
        n, p, pt, r, rt = stats.nd, stats.pd, stats.pdt, stats.rd, stats.rdt
    return RepStatement(
        statement_id=statement_id,
        direction="agree" if agree else "disagree",
        n_success=int(n[g, c]),
        n_trials=int(stats.ns[g, c]),
        p_success=float(p[g, c]),
        p_test=float(pt[g, c]),
        repness=float(r[g, c]),
        repness_test=float(rt[g, c]),
    )


def select_repness(
    matrix: VoteMatrix,
    stats: CommentStats,
    mod_out_statement_ids: Iterable[int] = (),
    pick_max: int = PICK_MAX,
    confidence: float = CONFIDENCE,
) -> dict[int, list[RepStatement]]:
    """Step 7: representative statements per group (red-dwarf's repness selection).

    A statement is representative of a group when, for agree (or disagree), both the group's
    one-proportion z-test and the group-vs-rest two-proportion z-test are significant at
    ``confidence``. The group's "best agree" statement leads, then significant statements by
    repness x repness-test x p x p-test; at most ``pick_max``, agrees before disagrees.
    """
    z = _critical_z(confidence)
    keep = np.flatnonzero(~_statement_mask(matrix, mod_out_statement_ids))
    result: dict[int, list[RepStatement]] = {}
    for g in range(stats.pa.shape[0]):
        na, nd = stats.na[g].tolist(), stats.nd[g].tolist()
        pa, pat = stats.pa[g].tolist(), stats.pat[g].tolist()
        ra, rat, rdt = stats.ra[g].tolist(), stats.rat[g].tolist(), stats.rdt[g].tolist()
        best_agree: int | None = None
        for c in keep.tolist():
            if na[c] == 0 and nd[c] == 0:
                continue
            if best_agree is None:
                take = pat[c] > z or (ra[c] > 1.0 and pa[c] > 0.5)
            elif ra[best_agree] > 1.0:
                b = best_agree
                take = ra[c] * rat[c] * pa[c] * pat[c] > ra[b] * rat[b] * pa[b] * pat[b]
            else:
                take = pa[c] * pat[c] > pa[best_agree] * pat[best_agree]
            if take:
                best_agree = c
        significant = (
            ((stats.pat[g] > z) & (stats.rat[g] > z)) | ((stats.pdt[g] > z) & (stats.rdt[g] > z))
        )[keep]
        sufficient = keep[significant]
        ids = matrix.statement_ids
        head: list[RepStatement] = []
        if best_agree is not None:
            rep = _rep_statement(stats, g, best_agree, int(ids[best_agree]))
            head = [
                RepStatement(**{**rep.__dict__, "best_agree": True}),
            ]
        elif len(sufficient) == 0:
            best_overall: int | None = None
            for c in keep.tolist():
                if best_overall is None or max(rat[c], rdt[c]) > max(
                    rat[best_overall], rdt[best_overall]
                ):
                    best_overall = c
            if best_overall is not None:
                head = [_rep_statement(stats, g, best_overall, int(ids[best_overall]))]
        reps = [_rep_statement(stats, g, int(c), int(ids[c])) for c in sufficient]
        metric = np.array(
            [r.repness * r.repness_test * r.p_success * r.p_test for r in reps], dtype=np.float64
        )
        ordered = [reps[i] for i in _pandas_order(metric, ascending=False)]
        selected = list(head)
        if head:  # red-dwarf keeps nothing else when there is no head statement
            selected += [r for r in ordered if r.statement_id != head[0].statement_id]
        selected = selected[:pick_max]
        selected.sort(key=lambda r: r.direction)  # agrees before disagrees, stable
        result[g] = selected
    return result


# --------------------------------------------------------------------------- synthetic data


@dataclass(frozen=True)
class PlantedVotes:
    """Synthetic votes with known groups, for tests, benchmarks and demos."""

    voter_ids: IntArray
    statement_ids: IntArray
    votes: NDArray[np.int8]
    timestamps: IntArray
    planted: IntArray
    """Planted group of each participant (participant id = index)."""
    consensus_statements: IntArray
    """Statements every group was generated to agree with."""


def make_planted_votes(
    n_participants: int,
    n_statements: int,
    n_groups: int = 3,
    votes_per_participant: tuple[int, int] = (20, 50),
    consensus_fraction: float = 0.1,
    agreement: float = 0.8,
    pass_rate: float = 0.1,
    seed: int = 0,
) -> PlantedVotes:
    """Votes of ``n_participants`` split into ``n_groups`` planted opinion groups.

    Each group gets an opinion (agree or disagree) on every statement; a ``consensus_fraction``
    of statements are agreed by every group and every other statement divides the groups.
    A participant votes on a random subset of ``votes_per_participant`` statements: pass with
    ``pass_rate``, otherwise the group's opinion with probability ``agreement`` and the
    opposite otherwise.
    """
    rng = np.random.default_rng(seed)
    planted = rng.integers(0, n_groups, n_participants)
    opinion = rng.choice(np.array([AGREE, DISAGREE], dtype=np.int8), (n_groups, n_statements))
    consensus = np.sort(
        rng.choice(n_statements, round(consensus_fraction * n_statements), replace=False)
    )
    if n_groups > 1:  # other statements divide the groups: no accidental unanimity
        unanimous = np.flatnonzero((opinion == opinion[0]).all(axis=0))
        flip = rng.integers(0, n_groups, len(unanimous))
        opinion[flip, unanimous] = -opinion[flip, unanimous]
    opinion[:, consensus] = AGREE
    lo, hi = votes_per_participant
    hi = min(hi, n_statements)
    lo = min(lo, hi)
    counts = rng.integers(lo, hi + 1, n_participants)
    voter = np.repeat(np.arange(n_participants, dtype=np.int64), counts)
    statement = np.concatenate(
        [rng.choice(n_statements, int(c), replace=False) for c in counts]
    ).astype(np.int64)
    u = rng.random(len(voter))
    wanted = opinion[planted[voter], statement]
    votes = np.where(
        u < pass_rate, PASS, np.where(u < pass_rate + (1 - pass_rate) * agreement, wanted, -wanted)
    ).astype(np.int8)
    order = np.lexsort((voter, statement))  # Pol.is exports sort by (comment, voter)
    timestamps = 1_700_000_000 + rng.integers(0, 30 * 86400, len(voter))
    return PlantedVotes(
        voter_ids=voter[order],
        statement_ids=statement[order],
        votes=votes[order],
        timestamps=timestamps[order].astype(np.int64),
        planted=planted.astype(np.int64),
        consensus_statements=consensus.astype(np.int64),
    )


# --------------------------------------------------------------------------- the pipeline

STEPS: tuple[str, ...] = (
    "build_vote_matrix",
    "clusterable_participants",
    "project_pca",
    "cluster_kmeans",
    "comment_statistics",
    "select_consensus",
    "select_group_informed_consensus",
    "select_repness",
)
"""Names of the pipeline's steps, in order (also the keys of ``PipelineResult.timings``)."""


def run_pipeline(
    voter_ids: ArrayLike,
    statement_ids: ArrayLike,
    votes: ArrayLike,
    timestamps: ArrayLike | None = None,
    mod_out_statement_ids: Sequence[int] = (),
    seed: int = 0,
    min_votes: int = MIN_VOTES,
    min_participants: int = MIN_PARTICIPANTS,
    k_range: tuple[int, int] = K_RANGE,
    pick_max: int = PICK_MAX,
    confidence: float = CONFIDENCE,
) -> PipelineResult:
    """Run every step on parallel vote arrays (one entry per vote).

    Raises ``NotEnoughParticipantsError`` when fewer than ``min_participants`` participants
    have ``min_votes`` votes, and ``CannotGroupError`` when their votes are all the same.
    """
    timings: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], T]) -> T:
        start = time.perf_counter()
        out = fn()
        timings[name] = time.perf_counter() - start
        return out

    matrix = timed(
        "build_vote_matrix", lambda: build_vote_matrix(voter_ids, statement_ids, votes, timestamps)
    )
    mask = timed("clusterable_participants", lambda: clusterable_participants(matrix, min_votes))
    n_ok = int(mask.sum())
    if n_ok < min_participants:
        raise NotEnoughParticipantsError(n_ok, min_participants, min_votes)
    projection = timed("project_pca", lambda: project_pca(matrix, mod_out_statement_ids, seed=seed))
    coords = projection.coords[mask]
    clustering = timed("cluster_kmeans", lambda: cluster_kmeans(coords, k_range, seed=seed))
    stats = timed("comment_statistics", lambda: comment_statistics(matrix, clustering.labels, mask))
    consensus = timed(
        "select_consensus",
        lambda: select_consensus(matrix, mod_out_statement_ids, pick_max, confidence),
    )
    informed = timed(
        "select_group_informed_consensus",
        lambda: select_group_informed_consensus(
            matrix, stats, mod_out_statement_ids, pick_max, confidence
        ),
    )
    repness = timed(
        "select_repness",
        lambda: select_repness(matrix, stats, mod_out_statement_ids, pick_max, confidence),
    )
    gac_a, gac_d = stats.group_aware_consensus_agree, stats.group_aware_consensus_disagree
    return PipelineResult(
        participant_ids=matrix.participant_ids[mask],
        labels=clustering.labels,
        coords=coords,
        group_centers=clustering.centers,
        k=clustering.k,
        silhouette_by_k=clustering.silhouette_by_k,
        consensus=consensus,
        group_informed_consensus=informed,
        group_aware_consensus={
            int(s): (float(a), float(d))
            for s, a, d in zip(matrix.statement_ids, gac_a, gac_d, strict=True)
        },
        repness=repness,
        timings=timings,
    )
