"""Bar charts for the report, as base64 PNG strings that an HTML page can embed.

matplotlib runs on its file-only backend (no display needed). Task names may be Chinese, so
a CJK font is used when the machine has one; otherwise such labels show as boxes, nothing fails.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping

_CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei",
              "Microsoft YaHei", "PingFang SC", "Source Han Sans SC")


def grouped_bars(groups: Mapping[str, Mapping[str, float | None]], title: str, ylabel: str) -> str:
    """A PNG (base64) of one bar per model in each group: ``groups[group][model] = value``."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    installed = {font.name for font in font_manager.fontManager.ttflist}
    fonts = [name for name in _CJK_FONTS if name in installed] + ["DejaVu Sans"]
    models = list(dict.fromkeys(model for values in groups.values() for model in values))
    width = 0.8 / max(1, len(models))
    with plt.rc_context({"font.family": "sans-serif", "font.sans-serif": fonts, "axes.unicode_minus": False}):
        figure, axes = plt.subplots(figsize=(max(6.0, 0.9 * len(groups) + 2), 3.6), dpi=100)
        for m, model in enumerate(models):
            values = [groups[group].get(model) or 0.0 for group in groups]
            axes.bar([g + (m - (len(models) - 1) / 2) * width for g in range(len(groups))], values, width, label=model)
        axes.set_xticks(range(len(groups)), list(groups), rotation=20, ha="right")
        axes.set_title(title)
        axes.set_ylabel(ylabel)
        axes.axhline(0, color="black", linewidth=0.6)
        axes.legend(fontsize="small")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
