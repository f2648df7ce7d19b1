"""The tolerance check and the choice of the variant to publish (pure functions)."""

import pytest

from vertune.compress.report import TUNED, choose, render_html, results_table, sign_test, verdict

REFERENCE = {"quality": {"fraud": 0.80, "entities": 0.50}, "perplexity": 2.00}


def variant(disk: int, passes: bool) -> dict:
    return {"passes": passes, "reasons": [] if passes else ["fraud: drop"], "perplexity": 2.0,
            "quality": {"fraud": 0.8, "entities": 0.5},
            "cost": {"disk_bytes": disk, "tensor_bytes": disk, "tokens_per_second": 100.0, "parameters": 10}}


@pytest.mark.parametrize(("quality", "perplexity", "failing"), [
    ({"fraud": 0.80, "entities": 0.50}, 2.00, []),
    ({"fraud": 0.795, "entities": 0.50}, 2.04, []),  # within one point and 2 %
    ({"fraud": 0.78, "entities": 0.50}, 2.00, ["fraud"]),  # two points down on one task
    ({"fraud": 0.90, "entities": 0.10}, 1.50, ["entities"]),  # a gain elsewhere does not buy a loss
    ({"fraud": 0.80, "entities": 0.50}, 2.05, ["perplexity"]),  # +2.5 %
    ({"fraud": 0.80}, 2.00, ["entities"]),  # a task the variant was not scored on counts as 0
])
def test_a_variant_fails_on_any_task_drop_or_perplexity_rise(quality: dict, perplexity: float, failing: list) -> None:
    reasons = verdict(quality, perplexity, REFERENCE, max_drop=0.01, max_increase=0.02)
    assert [r.split(":")[0].split(" ")[0] for r in reasons] == failing


@pytest.mark.parametrize(("worse", "better", "fails"), [
    (1, 0, False),  # one item of ten flipped: what chance does (p = 0.5)
    (3, 1, False),  # p = 0.31
    (5, 0, True),  # p = 0.031
    (9, 3, False),  # p = 0.073
    (10, 2, True),  # p = 0.019
])
def test_a_task_drop_fails_only_when_its_items_show_it(worse: int, better: int, fails: bool) -> None:
    reasons = verdict({"fraud": 0.70, "entities": 0.50}, 2.00, REFERENCE, max_drop=0.01, max_increase=0.02,
                      changed={"fraud": (worse, better), "entities": (0, 0)})
    assert bool(reasons) == fails and all(r.startswith("fraud") for r in reasons)


def test_the_sign_test_is_the_binomial_tail() -> None:
    assert sign_test(1, 0) == 0.5 and sign_test(0, 0) == 1.0
    assert sign_test(5, 0) == pytest.approx(1 / 32) and sign_test(10, 2) == pytest.approx(79 / 4096)


def test_auto_publishes_the_smallest_passing_variant_and_falls_back_to_merged() -> None:
    built = {TUNED: variant(100, True), "merged": variant(50, True), "int8": variant(25, True),
             "pruned": variant(40, True), "pruned_int8": variant(20, False)}
    assert choose(built, "auto")[0] == "int8"
    nothing = {name: variant(v["cost"]["disk_bytes"], name in (TUNED,)) for name, v in built.items()}
    name, why = choose(nothing, "auto")
    assert name == "merged" and "no variant" in why
    name, why = choose(built, "pruned_int8")
    assert name == "pruned_int8" and "outside the tolerance" in why
    with pytest.raises(ValueError, match="was not built"):
        choose({TUNED: variant(1, True), "merged": variant(1, True)}, "int8")


def test_the_report_renders_every_variant_and_the_choice() -> None:
    report = {"title": "t", "selected": "int8", "why": "smallest", "tolerance": {"quality": 0.01, "perplexity": 0.02},
              "items": 4, "items_note": "all per task",
              "variants": {TUNED: variant(100, True), "merged": variant(50, True), "int8": variant(25, False)}}
    report["variants"]["int8"]["quality"] = {"fraud": 0.7, "entities": 0.4}
    page = render_html(report)
    assert "int8 (published)" in page and "no: fraud: drop" in page
    assert "<td>25</td>" not in page and "<td>0.50</td>" in page  # int8 disk against merged, not the raw number
    assert "<td>0.7000</td><td>0.4000</td>" in page  # its own per-task figures, in the header's order
    table = results_table(report)
    assert [c.header for c in table.columns] == ["variant", "disk MB", "disk vs bf16", "tokens/s", "tokens/s vs bf16",
                                                  "perplexity", "within tolerance"]
    assert list(table.columns[2].cells) == ["2.00", "1.00", "0.50"]
    assert list(table.columns[-1].cells) == ["reference", "yes", "no: fraud"]
