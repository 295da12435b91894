"""Horizontal bar charts with confidence intervals as SVG. Pure: no Django.

The SVG uses presentation attributes only (no style attributes or scripts), so it
passes the strict Content-Security-Policy and prints crisply in the PDF report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Bar:
    label: str
    share: float | None  # None: suppressed
    low: float | None = None
    high: float | None = None


WIDTH = 640
LABEL_WIDTH = 230
ROW = 26
BAR_COLOUR = "#1f5f99"
WHISKER = "#111111"


def bar_chart(bars: Sequence[Bar], *, title: str, suppressed_text: str = "–") -> str:
    """The chart as SVG; empty when no bar can be shown (all suppressed or none)."""
    if all(bar.share is None for bar in bars):
        return ""
    plot = WIDTH - LABEL_WIDTH - 60
    height = ROW * len(bars) + 34
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in range(0, 101, 25):
        x = LABEL_WIDTH + plot * tick / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height - 22}" stroke="#c8cdd3" '
            'stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{height - 6}" font-size="11" text-anchor="middle" '
            f'fill="#333333">{tick} %</text>'
        )
    for index, bar in enumerate(bars):
        y = 8 + index * ROW
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 14}" font-size="12" text-anchor="end" '
            f'fill="#111111">{escape(bar.label[:40])}</text>'
        )
        if bar.share is None:
            parts.append(
                f'<text x="{LABEL_WIDTH + 4}" y="{y + 14}" font-size="12" fill="#555555">'
                f"{escape(suppressed_text)}</text>"
            )
            continue
        width = plot * bar.share
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{width:.1f}" height="16" '
            f'fill="{BAR_COLOUR}"/>'
        )
        if bar.low is not None and bar.high is not None:
            x1 = LABEL_WIDTH + plot * bar.low
            x2 = LABEL_WIDTH + plot * bar.high
            parts.append(
                f'<line x1="{x1:.1f}" y1="{y + 10}" x2="{x2:.1f}" y2="{y + 10}" '
                f'stroke="{WHISKER}" stroke-width="1.5"/>'
            )
            for x in (x1, x2):
                parts.append(
                    f'<line x1="{x:.1f}" y1="{y + 5}" x2="{x:.1f}" y2="{y + 15}" '
                    f'stroke="{WHISKER}" stroke-width="1.5"/>'
                )
        label_x = LABEL_WIDTH + max(width, plot * (bar.high or 0)) + 6
        parts.append(
            f'<text x="{label_x:.1f}" y="{y + 14}" font-size="12" fill="#111111">'
            f"{100 * bar.share:.0f} %</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
