import json
import random

import numpy as np
import pytest

from vertune.data.clean import clean_text, noise, strip_boilerplate
from vertune.data.dedup import (
    components,
    dedup,
    exact_key,
    jaccard_floor,
    lsh_bands,
    minhash_signatures,
    near_duplicate_groups,
    shingle_text,
    similar_pairs,
)
from vertune.data.synthetic.reposts import repost_set, story_templates, write_story

COMPANIES = ["贵州茅台", "宁德时代", "招商银行", "中国平安", "比亚迪", "隆基绿能", "恒瑞医药", "海天味业"]
PARTS = ["营业收入", "净利润", "毛利率", "经营现金流", "研发投入", "总资产", "应收账款", "存货"]


def finance_doc(rng: random.Random) -> str:
    company = rng.choice(COMPANIES)
    sentences = [
        f"{company}{rng.randrange(2015, 2025)}年{rng.choice(PARTS)}为{rng.uniform(1, 3000):,.2f}亿元，"
        f"同比{rng.choice(['增长', '下降'])}{rng.uniform(0, 90):.2f}%。"
        for _ in range(rng.randrange(6, 12))
    ]
    return "".join(sentences)


def edit(rng: random.Random, text: str, n_edits: int) -> str:
    chars = list(text)
    for _ in range(n_edits):
        chars[rng.randrange(len(chars))] = rng.choice("东西南北中")
    return "".join(chars)


def shingle_sets(a: str, b: str, n: int = 5) -> tuple[set[str], set[str]]:
    fa, fb = shingle_text(a), shingle_text(b)
    return {fa[i : i + n] for i in range(len(fa) - n + 1)}, {fb[i : i + n] for i in range(len(fb) - n + 1)}


def shingle_jaccard(a: str, b: str, n: int = 5) -> float:
    sa, sb = shingle_sets(a, b, n)
    return len(sa & sb) / len(sa | sb)


@pytest.fixture(scope="module")
def corpus():
    """300 distinct documents plus 40 planted near copies (2 characters changed)."""
    rng = random.Random(3)
    items = [(f"doc{n}", finance_doc(rng)) for n in range(300)]
    planted = {}
    for n in range(0, 200, 5):
        copy_id = f"copy{n}"
        items.append((copy_id, edit(rng, items[n][1], 2)))
        planted[copy_id] = f"doc{n}"
    return items, planted


def test_signature_estimates_jaccard():
    rng = random.Random(0)
    base = [finance_doc(rng) for _ in range(30)]
    variants = [edit(rng, t, k) for t, k in zip(base, range(30))]
    signatures = minhash_signatures(base + variants, num_perm=256)
    estimates = (signatures[:30] == signatures[30:]).mean(axis=1)
    truth = np.array([shingle_jaccard(a, b) for a, b in zip(base, variants)])
    assert np.abs(estimates - truth).max() < 0.12
    assert abs(float((estimates - truth).mean())) < 0.03


def test_signatures_do_not_depend_on_batching_and_handle_long_and_short_texts():
    long_text = "贵州茅台营业收入同比增长12.5%。" * 8000  # > one permutation step of shingles
    texts = ["短", "abc", long_text, "  ", "中等长度的文本，用来测试。"]
    together = minhash_signatures(texts)
    alone = np.vstack([minhash_signatures([t]) for t in texts])
    assert (together == alone).all()
    assert (together[3] == np.iinfo(np.uint32).max).all()  # empty after dropping whitespace
    assert (together[0] != together[1]).any()


def test_exact_key_ignores_case_whitespace_punctuation_and_width():
    assert exact_key("营收 增长12%，AAPL.O") == exact_key("营收增长 12%,aapl o")
    assert exact_key("营收增长１２％") == exact_key("营收增长12%")
    assert exact_key("营收增长12%") != exact_key("营收增长13%")
    assert exact_key("café") == exact_key("cafe\u0301")  # NFKC composes
    assert shingle_text("𠀀科技（Ａ股）：增长！") == "𠀀科技a股增长"  # astral characters survive


def story(seed: int) -> list[str]:
    rng = random.Random(seed)
    return write_story(rng, story_templates(rng))


def test_a_copy_that_lost_a_sentence_is_found_by_containment():
    sentences = story(4)[:4]
    original, shorter = "".join(sentences), "".join(sentences[:1] + sentences[2:])
    sa, sb = shingle_sets(original, shorter)
    assert shingle_jaccard(original, shorter) < 0.8 and len(sa & sb) / len(sb) > 0.95
    items = [("original", original), ("shorter", shorter)]
    (removed,) = dedup(items).removed
    assert (removed.id, removed.kept_id, removed.kind) == ("shorter", "original", "near")
    assert removed.similarity == pytest.approx(shingle_jaccard(original, shorter), abs=1e-3)
    assert removed.containment > 0.95
    assert dedup(items, containment=None).removed == []
    assert near_duplicate_groups(items) == [["original", "shorter"]]


def test_a_short_text_inside_a_long_one_is_not_a_copy():
    sentences = story(5)
    items = [("story", "".join(sentences)), ("quote", sentences[1])]
    assert dedup(items).removed == []


def test_jaccard_floor_is_the_lowest_similarity_a_contained_copy_can_have():
    assert jaccard_floor(0.8, None) == 0.8
    assert jaccard_floor(0.8, 0.9) == pytest.approx(0.9 * 0.6 / (1 + 0.6 - 0.9 * 0.6))
    assert jaccard_floor(0.3, 0.9) == 0.3


def test_width_and_punctuation_changes_are_exact_duplicates():
    text = "".join(story(6))
    wide = text.translate({cp: cp + 0xFEE0 for cp in range(0x21, 0x7F)}).replace("，", ",").replace("。", ".")
    (removed,) = dedup([("original", text), ("reformatted", wide)]).removed
    assert (removed.id, removed.kept_id, removed.kind, removed.similarity) == ("reformatted", "original", "exact", 1.0)


def test_the_cleanest_copy_is_kept_not_the_longest():
    text = "".join(story(7))
    items = [
        ("prefixed", "转载自新浪财经：" + text),
        ("disclaimer", text + "\n免责声明：本文仅代表作者个人观点，不构成投资建议。"),
        ("wide", text.translate({cp: cp + 0xFEE0 for cp in range(0x30, 0x3A)})),
        ("original", text),
    ]
    result = dedup(items)
    assert result.keep_ids == ["original"]
    assert {r.id: r.kept_id for r in result.removed} == {"prefixed": "original", "disclaimer": "original", "wide": "original"}


@pytest.fixture(scope="module")
def reposts():
    return repost_set(2500, seed=11)


def test_repost_set_holds_every_kind_of_edit_and_hard_cases(reposts):
    raw = dict(reposts.items)
    edits = {e for kinds in reposts.edits.values() for e in kinds}
    assert edits == {"changed_figure", "dropped_sentence", "full_width", "punctuation", "reordered_clause",
                     "repost_prefix", "disclaimer_suffix"}
    below = [r for g in reposts.groups for r in g[1:] if shingle_jaccard(raw[g[0]], raw[r]) < 0.8]
    assert len(below) > 0.1 * len(reposts.edits)  # the Jaccard test alone cannot find these
    assert all(noise(raw[g[0]]) == 0 for g in reposts.groups)
    assert reposts == repost_set(2500, seed=11)  # seeded


def test_reposts_are_found_and_look_alikes_kept_apart(reposts):
    cleaned = [(item_id, strip_boilerplate(clean_text(text))[0]) for item_id, text in reposts.items]
    precision, recall, merged = reposts.quality(dedup(cleaned).clusters)
    assert precision >= 0.98 and recall >= 0.95
    assert merged == 0 and len(reposts.negatives) > 50


def test_the_kept_copy_of_each_repost_group_is_clean(reposts):
    raw = dict(reposts.items)
    cleaned = [(item_id, strip_boilerplate(clean_text(text))[0]) for item_id, text in reposts.items]
    clusters = dedup(cleaned, score=lambda item_id, _: -noise(raw[item_id])).clusters
    assert len(clusters) > 100
    assert all(noise(raw[cluster[0]]) == 0 for cluster in clusters)


def test_preprocess_keeps_the_clean_copy_and_logs_containment(tmp_path, monkeypatch):
    from vertune.config import parse_config
    from vertune.pipeline import run_pipeline
    from vertune.records import Document, read_jsonl
    from vertune.stages import STAGES

    sentences = story(8)[:4]
    original = "".join(sentences)
    records = [
        "【转载自东方财富网】" + original.replace("2", "２") + "\n免责声明：本文仅代表作者个人观点，不构成投资建议。",
        original,
        "".join(sentences[:1] + sentences[2:]) + "\n免责声明：本文内容仅供参考。",
    ]
    monkeypatch.setenv("VERTUNE_CACHE", str(tmp_path / "cache"))
    (tmp_path / "docs.jsonl").write_text(
        "".join(json.dumps({"title": f"t{n}", "text": t}, ensure_ascii=False) + "\n" for n, t in enumerate(records)),
        encoding="utf-8")
    config = parse_config("project: s\nworkspace: ws\nsources: [{name: d, path: docs.jsonl}]\n", base_dir=tmp_path)
    run_pipeline(config, STAGES, wanted=["preprocess"])
    kept = list(read_jsonl(tmp_path / "ws" / "preprocess" / "documents.jsonl", Document))
    assert [d.title for d in kept] == ["t1"] and kept[0].text == original
    log = [json.loads(line) for line in (tmp_path / "ws" / "preprocess" / "duplicates.jsonl").read_text().splitlines()]
    assert sorted(entry["kind"] for entry in log) == ["exact", "near"]
    (near,) = [entry for entry in log if entry["kind"] == "near"]
    assert near["similarity"] < 0.8 and near["containment"] > 0.9


def test_lsh_bands_fit_num_perm_and_favour_recall():
    bands, rows = lsh_bands(0.8, 128)
    assert bands * rows <= 128
    assert 1 - (1 - 0.9**rows) ** bands > 0.99  # a pair at 0.9 almost surely becomes a candidate


def test_planted_near_duplicates_are_found_and_distinct_documents_kept(corpus):
    items, planted = corpus
    result = dedup(items)
    removed = {r.id: r for r in result.removed}
    for copy_id, original in planted.items():
        pair = {copy_id, original}
        assert len(pair & removed.keys()) == 1, copy_id
        (gone,) = pair & removed.keys()
        (kept,) = pair - {gone}
        assert removed[gone].kept_id == kept and removed[gone].kind == "near"
        assert 0.8 <= removed[gone].similarity < 1.0
    assert len(result.removed) == len(planted)
    assert set(result.keep_ids) | removed.keys() == {i for i, _ in items}


def test_exact_duplicates_with_whitespace_differences_are_exact():
    text = "招商银行2023年净利润为1,466.02亿元，同比增长6.22%。"
    items = [("a", text), ("b", "  " + text.replace("，", " ，\n") + " "), ("c", "完全不同的一段文字，讲的是别的事情。")]
    result = dedup(items)
    assert result.removed == [type(result.removed[0])("a", "b", 1.0, "exact")]  # b is longer
    assert result.clusters == [["b", "a"]]
    assert result.keep_ids == ["b", "c"]


def test_passes_can_be_switched_off(corpus):
    items, planted = corpus
    items = items + [("dup0", " " + items[0][1])]
    exact_only = dedup(items, near=False)
    assert [(r.id, r.kept_id, r.kind) for r in exact_only.removed] == [("doc0", "dup0", "exact")]
    near_only = dedup(items, exact=False)
    assert {r.kind for r in near_only.removed} == {"near"} and len(near_only.removed) == len(planted) + 1


def test_representative_is_longest_or_best_scored():
    rng = random.Random(5)
    text = finance_doc(rng)
    items = [("short", text), ("long", text + "补充说明。"), ("other", finance_doc(rng))]
    assert dedup(items).clusters == [["long", "short"]]
    preferred = dedup(items, score=lambda item_id, _: 1.0 if item_id == "short" else 0.0)
    assert preferred.clusters == [["short", "long"]]
    assert preferred.removed[0].id == "long" and preferred.removed[0].kind == "near"


def test_near_duplicate_groups_cover_exact_and_near(corpus):
    items, planted = corpus
    extra = items + [("dup0", items[0][1])]
    groups = {frozenset(g) for g in near_duplicate_groups(extra)}
    assert frozenset({"doc0", "copy0", "dup0"}) in groups
    assert {frozenset({c, o}) for c, o in planted.items() if o != "doc0"} <= groups


def test_similar_pairs_are_verified_against_threshold(corpus):
    items, _ = corpus
    signatures = minhash_signatures([t for _, t in items])
    pairs, sims = similar_pairs(signatures, 0.8)
    assert (sims >= 0.8).all() and (pairs[0] < pairs[1]).all()
    direct = (signatures[pairs[0]] == signatures[pairs[1]]).mean(axis=1)
    assert np.allclose(direct, sims)


def test_components():
    assert sorted(components(5, [(0, 3), (3, 4)])) == [[0, 3, 4], [1], [2]]


def test_empty_input():
    result = dedup([])
    assert (result.keep_ids, result.removed, result.clusters) == ([], [], [])
