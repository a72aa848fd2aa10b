"""Tests of the opinion-group pipeline (pure numpy; no database)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from wugong.consensus import pipeline as P
from wugong.consensus.pipeline import (
    CannotGroupError,
    NotEnoughParticipantsError,
    build_vote_matrix,
    make_planted_votes,
    project_pca,
    run_pipeline,
)

FIXTURES = Path(__file__).with_name("fixtures")
REDDWARF_CASES = json.loads((FIXTURES / "reddwarf_cases.json").read_text())


def ari(a: np.ndarray, b: np.ndarray) -> float:
    """Adjusted Rand index (kept here so tests need no scikit-learn)."""
    _, ia = np.unique(a, return_inverse=True)
    _, ib = np.unique(b, return_inverse=True)
    table = np.zeros((ia.max() + 1, ib.max() + 1))
    np.add.at(table, (ia, ib), 1)

    def comb(x: np.ndarray) -> float:
        return float((x * (x - 1) / 2).sum())

    index, rows, cols = comb(table), comb(table.sum(1)), comb(table.sum(0))
    expected = rows * cols / comb(np.array([len(ia)]))
    return (index - expected) / ((rows + cols) / 2 - expected)


def planted_case(case: dict) -> P.PlantedVotes:
    return make_planted_votes(
        case["n"],
        case["p"],
        case["groups"],
        tuple(case["votes"]),
        agreement=case.get("agreement", 0.8),
        seed=case["seed"],
    )


def test_planted_groups_are_recovered() -> None:
    """Three planted opinion groups come back as three groups with ARI >= 0.9."""
    data = make_planted_votes(900, 80, 3, (20, 50), agreement=0.85, seed=3)
    result = run_pipeline(data.voter_ids, data.statement_ids, data.votes, seed=0)
    assert result.k == 3
    assert ari(data.planted[result.participant_ids], result.labels) >= 0.9
    assert result.coords.shape == (len(result.participant_ids), 2)
    assert result.group_centers.shape == (3, 2)


def test_planted_consensus_statements_are_found() -> None:
    """Group-informed consensus finds only statements every planted group agrees with, best
    first; Pol.is's all-voter majority rule may also pick statements only two of three groups
    agree with (that is the difference between the two rules)."""
    data = make_planted_votes(900, 80, 3, (20, 50), agreement=0.85, seed=4)
    result = run_pipeline(data.voter_ids, data.statement_ids, data.votes, seed=0)
    planted = set(data.consensus_statements.tolist())
    informed = result.group_informed_consensus.agree
    assert len(informed) == 5 and set(informed) <= planted
    scores = [result.group_aware_consensus[s][0] for s in informed]
    assert scores == sorted(scores, reverse=True)
    assert set(result.consensus.agree) & planted


@pytest.mark.parametrize("case", REDDWARF_CASES, ids=[c["name"] for c in REDDWARF_CASES])
def test_matches_reddwarf_outputs(case: dict) -> None:
    """On the same votes our consensus equals red-dwarf 0.4.0's, and (PCA being exact at
    these sizes) so do projections, group labels, representative statements and
    group-aware-consensus scores. Expected outputs were stored by fixtures/regenerate_reddwarf.py.
    """
    data = planted_case(case)
    digest = hashlib.sha256()
    for arr in (data.voter_ids, data.statement_ids, data.votes):
        digest.update(np.ascontiguousarray(arr, dtype=np.int64).tobytes())
    assert digest.hexdigest() == case["sha256"], "synthetic data changed: regenerate fixtures"

    mod_out = case.get("mod_out", [])
    result = run_pipeline(data.voter_ids, data.statement_ids, data.votes, None, mod_out)
    assert {"agree": result.consensus.agree, "disagree": result.consensus.disagree} == case[
        "consensus"
    ]
    assert result.participant_ids.tolist() == case["group_participants"]
    assert result.labels.tolist() == case["group_labels"]
    repness = {
        str(g): [[r.statement_id, r.direction] for r in reps] for g, reps in result.repness.items()
    }
    assert repness == case["repness"]
    for sid, (agree, disagree) in result.group_aware_consensus.items():
        assert agree == pytest.approx(case["gac_agree"][str(sid)], rel=1e-12)
        assert disagree == pytest.approx(case["gac_disagree"][str(sid)], rel=1e-12)
    matrix = build_vote_matrix(data.voter_ids, data.statement_ids, data.votes)
    coords = project_pca(matrix, mod_out).coords[: len(case["coords_head"])]
    np.testing.assert_allclose(coords, case["coords_head"], atol=1e-9)


def test_matches_reddwarf_live() -> None:
    """Where red-dwarf is installed, consensus equals its output on fresh random data."""
    pytest.importorskip("reddwarf.implementations.polis")
    import warnings

    from reddwarf.implementations.polis import run_pipeline as reddwarf_run

    warnings.filterwarnings("ignore")
    for seed in (21, 22):
        data = make_planted_votes(200, 45, 3, (4, 30), agreement=0.75, seed=seed)
        votes = [
            {"participant_id": int(a), "statement_id": int(b), "vote": int(c)}
            for a, b, c in zip(data.voter_ids, data.statement_ids, data.votes, strict=True)
        ]
        theirs = reddwarf_run(votes=votes, random_state=0)
        ours = run_pipeline(data.voter_ids, data.statement_ids, data.votes)
        expected = {k: [s["tid"] for s in v] for k, v in theirs.consensus.items()}
        assert {"agree": ours.consensus.agree, "disagree": ours.consensus.disagree} == expected


def test_too_small_conversation_is_refused() -> None:
    """Fewer than 15 participants with >= 7 votes raise NotEnoughParticipantsError, in
    Chinese and English, instead of drawing groups from noise."""
    rng = np.random.default_rng(0)
    voters, statements, votes = [], [], []
    for person in range(40):
        n_votes = 8 if person < 14 else 6  # only 14 participants reach 7 votes
        for statement in rng.choice(20, n_votes, replace=False):
            voters.append(person)
            statements.append(int(statement))
            votes.append(int(rng.integers(-1, 2)))
    with pytest.raises(NotEnoughParticipantsError) as info:
        run_pipeline(voters, statements, votes)
    assert info.value.found == 14
    message = str(info.value)
    assert "参与人数不足：至少需要 15 位投过 7 票以上的居民才能分组" in message
    assert "Not enough participants" in message


def test_identical_votes_cannot_be_grouped() -> None:
    """When every participant votes the same way there is nothing to split: CannotGroupError."""
    voters = np.repeat(np.arange(30), 10)
    statements = np.tile(np.arange(10), 30)
    with pytest.raises(CannotGroupError):
        run_pipeline(voters, statements, np.ones(300, dtype=np.int8))


def test_deterministic_for_a_seed() -> None:
    """The same votes and seed give identical groups, coordinates and statements."""
    data = make_planted_votes(4000, 120, 3, (10, 30), seed=5)  # > 3000: sampled silhouette
    first = run_pipeline(data.voter_ids, data.statement_ids, data.votes, seed=7)
    second = run_pipeline(data.voter_ids, data.statement_ids, data.votes, seed=7)
    assert np.array_equal(first.labels, second.labels)
    assert np.array_equal(first.coords, second.coords)
    assert first.to_json() == second.to_json()


def test_sparse_pca_matches_dense_pca() -> None:
    """The Lanczos PCA on sparse votes (used for large data) equals the dense eigen-solution."""
    data = make_planted_votes(1500, 150, 4, (5, 40), seed=6)
    matrix = build_vote_matrix(data.voter_ids, data.statement_ids, data.votes)
    dense = project_pca(matrix, [3, 4], method="dense")
    sparse = project_pca(matrix, [3, 4], method="lanczos", seed=1)
    np.testing.assert_allclose(sparse.components, dense.components, atol=1e-8)
    np.testing.assert_allclose(sparse.coords, dense.coords, atol=1e-7)


def test_pca_imputes_means_and_scales_like_polis() -> None:
    """Projection = (mean-imputed votes - column means) . components, times
    sqrt(n_statements / n_votes) per participant; largest loading of each axis positive."""
    data = make_planted_votes(80, 12, 2, (3, 12), seed=8)
    matrix = build_vote_matrix(data.voter_ids, data.statement_ids, data.votes)
    dense = matrix.to_dense()
    means = np.nanmean(dense, axis=0)
    imputed = np.where(np.isnan(dense), means, dense)
    centred = imputed - means
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    comps = vt[:2] * np.sign(vt[:2][np.arange(2), np.abs(vt[:2]).argmax(1)])[:, None]
    n_votes = (~np.isnan(dense)).sum(1)
    expected = centred @ comps.T * np.sqrt(12 / n_votes)[:, None]
    np.testing.assert_allclose(project_pca(matrix).coords, expected, atol=1e-10)


def test_duplicate_votes_keep_the_most_recent() -> None:
    """A participant's repeated vote on a statement counts once: the latest timestamp wins,
    and the earliest row on equal timestamps."""
    matrix = build_vote_matrix(
        voter_ids=[5, 5, 5, 9, 9],
        statement_ids=[1, 1, 1, 1, 1],
        votes=[1, -1, 0, 1, -1],
        timestamps=[10, 30, 20, 40, 40],
    )
    assert matrix.participant_ids.tolist() == [5, 9]
    dense = matrix.to_dense()
    assert dense[:, 0].tolist() == [-1, 1]


def test_vote_matrix_is_sparse() -> None:
    """The vote matrix stores O(votes) memory, not participants x statements."""
    data = make_planted_votes(20_000, 1000, 2, (3, 5), seed=9)
    matrix = build_vote_matrix(data.voter_ids, data.statement_ids, data.votes)
    stored = matrix.rows.nbytes + matrix.cols.nbytes + matrix.values.nbytes
    assert stored < 12 * len(data.votes)  # a dense float matrix would be 160 MB


def test_moderated_out_statements_are_never_selected() -> None:
    """Rejected (moderated-out) statements appear in neither consensus nor repness."""
    data = make_planted_votes(600, 40, 3, (15, 35), agreement=0.85, seed=10)
    first = run_pipeline(data.voter_ids, data.statement_ids, data.votes)
    banned = sorted({*first.consensus.agree, *(r.statement_id for r in first.repness[0])})[:4]
    second = run_pipeline(data.voter_ids, data.statement_ids, data.votes, None, banned)
    chosen = {*second.consensus.agree, *second.consensus.disagree}
    chosen |= {r.statement_id for reps in second.repness.values() for r in reps}
    assert chosen.isdisjoint(banned)


def test_repness_statements_are_significant_and_agrees_first() -> None:
    """Each group's representative statements (at most 5) put agrees before disagrees and,
    besides the group's best-agree head, pass the two z-tests at 90 %."""
    data = make_planted_votes(900, 80, 3, (20, 50), agreement=0.85, seed=4)
    result = run_pipeline(data.voter_ids, data.statement_ids, data.votes)
    for reps in result.repness.values():
        assert 0 < len(reps) <= 5
        directions = [r.direction for r in reps]
        assert directions == sorted(directions)
        for r in reps:
            if not r.best_agree:
                assert r.p_test > 1.2815 and r.repness_test > 1.2815


def test_json_shape() -> None:
    """to_json gives groups by participant id, consensus and repness as statement ids."""
    data = make_planted_votes(300, 30, 2, (10, 25), agreement=0.85, seed=2)
    out = run_pipeline(data.voter_ids, data.statement_ids, data.votes).to_json()
    assert set(out) == {"groups", "consensus", "repness"}
    assert set(out["consensus"]) == {"agree", "disagree"}
    assert all(isinstance(k, str) and isinstance(v, int) for k, v in out["groups"].items())
    assert set(out["repness"]) == {str(g) for g in set(out["groups"].values())}
    json.dumps(out)
