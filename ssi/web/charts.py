"""Small line charts as SVG, drawn on the server: no script and nothing fetched from elsewhere.

Each chart carries a ``<title>`` and a ``<desc>`` with its first and last values, and the pages put
the same figures in a table beside it, so no reader depends on the picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Sequence


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[float, float]]  # (x, y), x increasing
    step: bool = False  # a step line (supply changes at events), else straight segments


def _fmt(v: float) -> str:
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 1:
        return f"{v:,.2f}"
    return f"{v:.4g}"


def line_chart(series: Series, title: str, desc: str, x_labels: tuple[str, str], *, width: int = 720,
               height: int = 260, log: bool = False) -> str:
    """An SVG document: one series, y axis with min and max, x axis with the first and last label."""
    import math

    pts = list(series.points)
    pad_l, pad_r, pad_t, pad_b = 70, 16, 16, 32
    w, h = width - pad_l - pad_r, height - pad_t - pad_b
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="t d"><title id="t">{escape(title)}</title><desc id="d">{escape(desc)}</desc>',
             f'<rect x="{pad_l}" y="{pad_t}" width="{w}" height="{h}" fill="#fff" stroke="#888"/>']
    if not pts:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">no data yet</text></svg>')
        return "".join(parts)
    ys = [math.log10(y) if log and y > 0 else y for _, y in pts]
    xs = [x for x, _ in pts]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if y1 == y0:
        y0, y1 = y0 - 1, y1 + 1
    if x1 == x0:
        x1 = x0 + 1

    def px(x: float) -> float:
        return pad_l + (x - x0) / (x1 - x0) * w

    def py(y: float) -> float:
        return pad_t + h - (y - y0) / (y1 - y0) * h

    path = []
    for i, (x, y) in enumerate(zip(xs, ys)):
        if i == 0:
            path.append(f"M{px(x):.1f},{py(y):.1f}")
        elif series.step:
            path.append(f"H{px(x):.1f}V{py(y):.1f}")
        else:
            path.append(f"L{px(x):.1f},{py(y):.1f}")
    if series.step:
        path.append(f"H{pad_l + w:.1f}")
    parts.append(f'<path d="{"".join(path)}" fill="none" stroke="#1f4e99" stroke-width="2"/>')
    top = 10**y1 if log else y1
    bottom = 10**y0 if log else y0
    parts.append(f'<text x="{pad_l - 6}" y="{pad_t + 10}" text-anchor="end" font-size="12">{_fmt(top)}</text>')
    parts.append(f'<text x="{pad_l - 6}" y="{pad_t + h}" text-anchor="end" font-size="12">{_fmt(bottom)}</text>')
    parts.append(f'<text x="{pad_l}" y="{height - 10}" font-size="12">{escape(x_labels[0])}</text>')
    parts.append(f'<text x="{pad_l + w}" y="{height - 10}" text-anchor="end" font-size="12">{escape(x_labels[1])}</text>')
    parts.append(f'<text x="{pad_l + 8}" y="{pad_t + 16}" font-size="12">{escape(series.label)}'
                 f'{" (log scale)" if log else ""}</text></svg>')
    return "".join(parts)
