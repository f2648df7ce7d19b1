from __future__ import annotations

from pathlib import Path

import pytest

from vertune.data.sources import html
from vertune.data.sources.base import SourceError

ARTICLE = """<html><head><meta charset="{charset}"><title>华夏酿酒发布2023年年报_证券时报网</title>
<meta name="author" content="李明"><meta property="article:published_time" content="2024-03-30T20:15:00+08:00">
</head><body>
<nav>首页 | 股票 | 基金 | 债券 | 期货 | 登录 注册</nav>
<div class="ad">开户送好礼，点击领取</div>
<article><h1>华夏酿酒发布2023年年报</h1>
<p>华夏酿酒3月30日晚间发布2023年年度报告，公司全年实现营业收入186.52亿元，同比增长17.50%；归母净利润72.16亿元，同比增长20.62%。</p>
<p>公司拟每10股派发现金红利30元（含税）。分析人士认为，公司高端产品量价齐升，渠道库存处于健康水平，全年业绩符合市场预期。</p>
<p>截至3月29日收盘，华夏酿酒股价报132.50元，总市值1664.20亿元，年内股价累计上涨4.3%。</p>
</article>
<footer>版权所有 2024 证券时报网 未经许可不得转载 | 联系我们 | 网站地图</footer>
</body></html>"""


def read_one(path: Path, opts):
    [doc] = list(html.read(path, opts("news")))
    return doc


@pytest.mark.parametrize("charset", ["utf-8", "gbk"])
def test_news_page_main_text_and_metadata(tmp_path: Path, opts, charset: str) -> None:
    path = tmp_path / "news.html"
    path.write_bytes(ARTICLE.format(charset=charset).encode(charset))
    doc = read_one(path, opts)
    assert "华夏酿酒发布2023年年报" in doc.title
    assert doc.published_at == "2024-03-30"
    assert doc.meta["author"] == "李明"
    assert "实现营业收入186.52亿元" in doc.text and "总市值1664.20亿元" in doc.text
    for boilerplate in ("登录 注册", "开户送好礼", "版权所有", "网站地图"):
        assert boilerplate not in doc.text


def test_page_without_body_is_a_source_error(tmp_path: Path, opts) -> None:
    path = tmp_path / "empty.html"
    path.write_text("<html><head><title>404</title></head></html>", encoding="utf-8")
    with pytest.raises(SourceError, match="no main text"):
        read_one(path, opts)


def test_declared_encoding_that_does_not_fit(tmp_path: Path, opts) -> None:
    path = tmp_path / "news.html"
    path.write_bytes("<html><body><p>中文</p></body></html>".encode("gbk"))
    with pytest.raises(SourceError, match="cannot decode"):
        list(html.read(path, opts("news", encoding="utf-8")))
