import json
from pathlib import Path

from gold_examples import make_config, one_of_each
from vertune.prepare.build import prepare_samples
from vertune.prepare.export import to_alpaca, to_sharegpt, write_exports


def test_alpaca_and_sharegpt_records_carry_the_whole_conversation() -> None:
    sample = prepare_samples(one_of_each(), make_config()).splits["train"][0]
    system, user, assistant = (m.content for m in sample.messages)
    assert to_alpaca(sample) == {"instruction": user, "input": "", "output": assistant, "system": system}
    assert to_sharegpt(sample) == {"conversations": [{"from": "system", "value": system}, {"from": "human", "value": user},
                                                     {"from": "gpt", "value": assistant}]}


def test_dataset_info_describes_every_export_in_llama_factory_terms(tmp_path: Path) -> None:
    splits = prepare_samples(one_of_each(), make_config()).splits
    info = write_exports(tmp_path, splits, prefix="demo")
    assert json.loads((tmp_path / "dataset_info.json").read_text(encoding="utf-8")) == info
    assert set(info) == {f"demo_{split}_{fmt}" for split in ("train", "val", "test") for fmt in ("alpaca", "sharegpt")}
    alpaca, sharegpt = info["demo_train_alpaca"], info["demo_train_sharegpt"]
    assert alpaca["formatting"] == "alpaca"
    assert alpaca["columns"] == {"prompt": "instruction", "query": "input", "response": "output", "system": "system"}
    assert sharegpt["formatting"] == "sharegpt" and sharegpt["columns"] == {"messages": "conversations"}
    assert sharegpt["tags"] == {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt",
                                "system_tag": "system"}
    for entry in info.values():
        records = json.loads((tmp_path / entry["file_name"]).read_text(encoding="utf-8"))
        split = entry["file_name"].split("_")[1].removesuffix(".json")
        assert isinstance(records, list) and len(records) == len(splits[split])
    rows = json.loads((tmp_path / alpaca["file_name"]).read_text(encoding="utf-8"))
    assert all(set(row) == {"instruction", "input", "output", "system"} and row["output"] for row in rows)
