"""Server-side SVG charts (no script, no outside resource). Each chart scales with its container
(viewBox) and carries a <title>/<desc>; the page also shows the numbers as a table."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

PALETTE = ["#1f5fa8", "#d9822b", "#2e8b57", "#8e44ad", "#7f8c8d", "#c0392b", "#16a085", "#b7950b", "#34495e"]
ON_TIME, OVERDUE = "#2e8b57", "#c0392b"
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def _nice_max(value: int) -> int:
    if value <= 10:
        return max(2, value + value % 2)  # even: the middle grid line stays a whole number
    step = 10 ** (len(str(value)) - 1)
    return -(-value // step) * step


def _legend(names: Sequence[str], colors: Sequence[str], y: int, width: int) -> str:
    parts, x = [], 10
    for name, color in zip(names, colors):
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{color}"/>'
                     f'<text x="{x + 16}" y="{y + 10}" {FONT}>{escape(name)}</text>')
        x += 24 + 7 * len(name)
        if x > width - 120:
            y, x = y + 18, 10
    return "".join(parts)


def stacked_columns(title: str, labels: Sequence[str], series: dict[str, Sequence[int]], colors: Sequence[str] = PALETTE) -> Markup:
    """Columns per period, stacked by series (e.g. submissions per week by kind)."""
    width, height, left, top, bottom = 760, 300, 40, 20, 60
    plot_h, n = height - top - bottom, max(len(labels), 1)
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top_value = _nice_max(max(totals, default=0))
    slot = (width - left - 10) / n
    bar = max(4.0, slot * 0.7)
    out = [f'<svg class="chart" viewBox="0 0 {width} {height + 20 * (1 + len(series) // 5)}" role="img" '
           f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        out.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                   f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT}>{round(top_value * frac)}</text>')
    for i, label in enumerate(labels):
        x, base = left + i * slot + (slot - bar) / 2, top + plot_h
        for (name, values), color in zip(series.items(), colors):
            if values[i]:
                h = plot_h * values[i] / top_value
                base -= h
                out.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{color}">'
                           f'<title>{escape(label)} · {escape(name)}: {values[i]}</title></rect>')
        out.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle" {FONT}>{escape(label)}</text>')
    out.append(_legend(list(series), colors, height - 28, width))
    out.append("</svg>")
    return Markup("".join(out))


def horizontal_bars(title: str, rows: Sequence[tuple[str, int]], color: str = PALETTE[0]) -> Markup:
    width, row_h, left = 760, 26, 230
    height = max(1, len(rows)) * row_h + 10
    top_value = _nice_max(max((v for _, v in rows), default=0))
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg">'
           f'<title>{escape(title)}</title>']
    for i, (label, value) in enumerate(rows):
        y = 5 + i * row_h
        w = (width - left - 60) * value / top_value
        out.append(f'<text x="{left - 8}" y="{y + 16}" text-anchor="end" {FONT}>{escape(label)}</text>'
                   f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{color}"/>'
                   f'<text x="{left + w + 6:.1f}" y="{y + 16}" {FONT}>{value}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def split_bars(title: str, rows: Sequence[tuple[str, int, int]], names: tuple[str, str] = ("Đúng hạn", "Quá hạn")) -> Markup:
    """One bar per row split in two parts (on time / overdue per office)."""
    width, row_h, left = 760, 28, 230
    height = max(1, len(rows)) * row_h + 40
    top_value = _nice_max(max((a + b for _, a, b in rows), default=0))
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg">'
           f'<title>{escape(title)}</title>']
    for i, (label, good, bad) in enumerate(rows):
        y = 5 + i * row_h
        scale = (width - left - 80) / top_value
        out.append(f'<text x="{left - 8}" y="{y + 17}" text-anchor="end" {FONT}>{escape(label[:34])}</text>'
                   f'<rect x="{left}" y="{y + 3}" width="{good * scale:.1f}" height="{row_h - 8}" fill="{ON_TIME}">'
                   f'<title>{escape(label)} · {names[0]}: {good}</title></rect>'
                   f'<rect x="{left + good * scale:.1f}" y="{y + 3}" width="{bad * scale:.1f}" height="{row_h - 8}" fill="{OVERDUE}">'
                   f'<title>{escape(label)} · {names[1]}: {bad}</title></rect>'
                   f'<text x="{left + (good + bad) * scale + 6:.1f}" y="{y + 17}" {FONT}>{good} / {bad}</text>')
    out.append(_legend(list(names), [ON_TIME, OVERDUE], height - 22, width))
    out.append("</svg>")
    return Markup("".join(out))
