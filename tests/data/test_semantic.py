import numpy as np

from vertune.data.semantic import embed_texts, semantic_dedup, similar_pairs


def _unit(rows: list[list[float]]) -> np.ndarray:
    vectors = np.asarray(rows, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_pairs_above_the_threshold_only() -> None:
    vectors = _unit([[1, 0], [0.99, 0.1], [0, 1]])
    assert [(i, j) for i, j, _ in similar_pairs(vectors, 0.95)] == [(0, 1)]


def test_longest_of_each_group_is_kept_and_chains_are_grouped() -> None:
    vectors = _unit([[1, 0, 0], [0.98, 0.2, 0], [0.93, 0.37, 0], [0, 0, 1]])
    texts = ["营收增长12%", "收入同比增加了12%，好于预期", "收入增加12%", "客户投诉"]
    removed = semantic_dedup(["a", "b", "c", "d"], texts, vectors, threshold=0.97)
    assert sorted((r.id, r.kept_id, r.kind) for r in removed) == [("a", "b", "semantic"), ("c", "b", "semantic")]
    assert all(0 < r.similarity <= 1 for r in removed)


def test_embeddings_from_a_local_model_are_normalised_and_identical_for_identical_text(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("VERTUNE_CACHE", str(tmp_path))
    vectors = embed_texts(["营业收入12.5%", "营业收入12.5%", "客户要挂失银行卡"], "embedded:tiny-qwen3", batch_size=2)
    assert vectors.shape[0] == 3
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float(vectors[0] @ vectors[1]) > 0.999


def test_preprocess_stage_drops_semantic_duplicates_with_reasons(tmp_path, monkeypatch) -> None:
    from vertune.config import parse_config
    from vertune.pipeline import run_pipeline
    from vertune.stages import STAGES
    from vertune.workspace import Workspace

    monkeypatch.setenv("VERTUNE_CACHE", str(tmp_path / "cache"))
    (tmp_path / "docs.jsonl").write_text(
        '{"title": "甲", "text": "公司2023年营业收入增长12.5%。"}\n{"title": "乙", "text": "公司2023年营业收入增长12.5%。"}\n'
        '{"title": "丙", "text": "客户来电要求挂失银行卡并补办新卡。"}\n', encoding="utf-8")
    config = parse_config(
        "project: s\nworkspace: ws\nsources: [{name: d, path: docs.jsonl}]\n"
        "preprocess: {dedup: {exact: false, near: false, semantic: true, semantic_threshold: 0.999}}\n", base_dir=tmp_path)
    run_pipeline(config, STAGES, wanted=["preprocess"])
    manifest = Workspace(tmp_path / "ws").manifest("preprocess")
    assert manifest["counts"] == {"in": 3, "out": 2, "rejected": 1}
    assert manifest["rejected_reasons"] == {"semantic duplicate": 1}
