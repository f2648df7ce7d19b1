from __future__ import annotations

import json
from pathlib import Path

from vertune.data.sources import dialogue
from vertune.records import Document, Rejection


def test_dialogue_turns_become_text_and_labels_stay_in_meta(tmp_path: Path, opts) -> None:
    record = {
        "dialogue_id": "D000001",
        "turns": [{"role": "customer", "text": "我卡丢了，尾号1234，帮我挂失"},
                  {"role": "agent", "text": "好的，请提供身份证后四位。"},
                  {"speaker": "用户", "content": "5678"}],
        "intent": "挂失补卡",
        "sentiment": "negative",
    }
    path = tmp_path / "dialogues.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n" + '{"intent": "查询余额"}\n', encoding="utf-8")
    doc, rejection = dialogue.read(path, opts("dialogue"))
    assert isinstance(doc, Document) and isinstance(rejection, Rejection)
    assert doc.text == "客户：我卡丢了，尾号1234，帮我挂失\n客服：好的，请提供身份证后四位。\n客户：5678"
    assert doc.meta == {"dialogue_id": "D000001", "intent": "挂失补卡", "sentiment": "negative",
                        "origin": f"{path}:1", "turn_count": 3}
    assert (rejection.item, rejection.reason) == (f"{path}:2", "no turns")


def test_turns_as_text_lines_in_a_csv_cell(tmp_path: Path, opts) -> None:
    path = tmp_path / "d.csv"
    path.write_text('对话,意图\n"客户：转账失败了\n客服：请核对账号",转账失败\n', encoding="utf-8")
    [doc] = dialogue.read(path, opts("dialogue"))
    assert doc.text == "客户：转账失败了\n客服：请核对账号"
    assert doc.meta["意图"] == "转账失败"
