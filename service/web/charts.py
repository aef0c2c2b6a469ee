"""Numbers turned into the coordinates the pages' inline SVG charts draw (macros in
``templates/moderate/charts.html``): no script and no external request, so the pages' strict
content security policy holds. Everything here is geometry; what to show is the views' choice."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 34


@dataclass(frozen=True)
class Line:
    name: str
    css: str  # the class that colours it, shared with its legend swatch
    points: str  # "x,y x,y ..." for <polyline>
    last: tuple[float, float]  # where its label goes
    value_at_marks: dict[str, str]  # mark name -> the line's value there, as text


@dataclass(frozen=True)
class Mark:
    name: str
    css: str
    x: float
    at: float  # the threshold


@dataclass(frozen=True)
class Band:
    css: str
    x: float
    width: float
    label: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    plot: tuple[float, float, float, float]  # left, top, right, bottom
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    lines: list[Line]
    marks: list[Mark]
    bands: list[Band]
    x_label: str
    y_label: str


def _x(value: float) -> float:
    return round(LEFT + value * (WIDTH - LEFT - RIGHT), 1)


def _y(share: float) -> float:
    return round(HEIGHT - BOTTOM - share * (HEIGHT - TOP - BOTTOM), 1)


def threshold_chart(
    curves: Sequence[tuple[str, str, Sequence[tuple[float, float]]]],
    marks: Sequence[tuple[str, str, float]],
    bands: Sequence[tuple[str, float, float, str]] = (),
) -> LineChart:
    """Shares (0..1) against a threshold (0..1).

    ``curves``: (name, css class, [(threshold, share)]); ``marks``: vertical lines (name, css
    class, threshold); ``bands``: shaded ranges of thresholds (css class, from, to, label).
    """
    lines = []
    for name, css, values in curves:
        points = " ".join(f"{_x(t)},{_y(v)}" for t, v in values)
        at_marks = {}
        for mark_name, _, at in marks:
            nearest = min(values, key=lambda tv, at=at: abs(tv[0] - at), default=None)
            if nearest is not None:
                at_marks[mark_name] = f"{nearest[1]:.0%}"
        last = values[-1] if values else (1.0, 0.0)
        lines.append(Line(name, css, points, (_x(last[0]), _y(last[1])), at_marks))
    return LineChart(
        width=WIDTH,
        height=HEIGHT,
        plot=(LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM),
        x_ticks=[(_x(t), f"{t:g}") for t in (0, 0.25, 0.5, 0.75, 1)],
        y_ticks=[(_y(s), f"{s:.0%}") for s in (0, 0.25, 0.5, 0.75, 1)],
        lines=lines,
        marks=[Mark(name, css, _x(at), at) for name, css, at in marks],
        bands=[Band(css, _x(a), round(_x(b) - _x(a), 1), label) for css, a, b, label in bands],
        x_label="threshold (model score)",
        y_label="share of comments",
    )


@dataclass(frozen=True)
class Segment:
    css: str
    x: float
    width: float
    label: str  # e.g. "approved 71% (142)"


@dataclass(frozen=True)
class StackedBar:
    name: str
    y: float
    segments: list[Segment]
    note: str


BAR_WIDTH, BAR_LEFT, BAR_HEIGHT, BAR_GAP = 560, 110, 22, 12


def stacked_bars(rows: Sequence[tuple[str, Sequence[tuple[str, str, int]], str]]) -> dict:
    """Horizontal 100% bars: rows of (name, [(css class, label, count)], note)."""
    bars = []
    span = BAR_WIDTH - BAR_LEFT - 8
    for i, (name, parts, note) in enumerate(rows):
        total = sum(count for _, _, count in parts) or 1
        x = float(BAR_LEFT)
        segments = []
        for css, label, count in parts:
            width = round(span * count / total, 1)
            segments.append(
                Segment(css, round(x, 1), width, f"{label} {count / total:.0%} ({count})")
            )
            x += width
        bars.append(StackedBar(name, i * (BAR_HEIGHT + BAR_GAP) + 4, segments, note))
    height = len(rows) * (BAR_HEIGHT + BAR_GAP) + 4
    return {"width": BAR_WIDTH, "height": height, "bar_height": BAR_HEIGHT, "left": BAR_LEFT,
            "bars": bars}  # fmt: skip


def grouped_bars(
    groups: Sequence[tuple[str, Sequence[tuple[str, str, float | None]]]], unit: str = "%"
) -> dict:
    """Vertical bars in groups: (group name, [(series css class, series name, value 0..1)]);
    a missing value (no comment to measure it on) draws no bar and says so."""
    width, height, left, bottom, top = 560, 200, 44, 46, 14
    per_group = (width - left - 12) / max(1, len(groups))
    series = max((len(values) for _, values in groups), default=1)
    bar = min(36.0, (per_group - 16) / max(1, series))
    peak = max((v for _, values in groups for *_, v in values if v is not None), default=0)
    scale = max(0.05, peak)
    drawn = []
    for g, (name, values) in enumerate(groups):
        x0 = left + g * per_group + (per_group - bar * len(values)) / 2
        bars = []
        for s, (css, series_name, value) in enumerate(values):
            h = 0 if value is None else (height - top - bottom) * value / scale
            bars.append({
                "css": css, "series": series_name, "x": round(x0 + s * bar, 1),
                "y": round(height - bottom - h, 1), "width": round(bar - 3, 1),
                "height": round(h, 1), "label": "n/a" if value is None else f"{value:.1%}",
            })  # fmt: skip
        drawn.append({"name": name, "x": round(left + g * per_group + per_group / 2, 1),
                      "bars": bars})  # fmt: skip
    ticks = [(round(height - bottom - (height - top - bottom) * f, 1), f"{scale * f:.0%}")
             for f in (0, 0.5, 1)]  # fmt: skip
    return {"width": width, "height": height, "left": left, "baseline": height - bottom,
            "top": top, "groups": drawn, "y_ticks": ticks, "unit": unit}  # fmt: skip


@dataclass(frozen=True)
class TimeLine:
    name: str
    css: str
    segments: list[str]  # polyline points; a gap where nothing was recorded
    dots: list[tuple[float, float]]  # points standing alone, and the latest point
    current: str  # the latest value, with its unit


@dataclass(frozen=True)
class TimeChart:
    title: str
    unit: str
    width: int
    height: int
    plot: tuple[float, float, float, float]
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    lines: list[TimeLine]
    threshold: tuple[float, str] | None  # (y, label)
    empty: bool


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "none"
    if unit == "s":
        if value >= 3600:
            return f"{value / 3600:.1f} h"
        if value >= 120:
            return f"{value / 60:.0f} min"
        return f"{value:.2g} s" if value < 10 else f"{value:.0f} s"
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _nice_top(peak: float) -> float:
    if peak <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(peak))
    for factor in (1, 2, 2.5, 5, 10):
        if peak <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def time_chart(
    title: str,
    unit: str,
    series: Sequence[tuple[str, str, Sequence[float | None]]],
    end: datetime,
    step_minutes: int,
    threshold: tuple[float, str] | None = None,
) -> TimeChart:
    """Lines over time, oldest point first, one point per ``step_minutes`` ending at ``end``."""
    width, height, left, right, top, bottom = 560, 190, 52, 12, 12, 30
    count = max((len(values) for _, _, values in series), default=0)
    peak = max([v for _, _, values in series for v in values if v is not None] or [0.0])
    if threshold is not None:
        peak = max(peak, threshold[0])
    top_value = _nice_top(peak * 1.1 if peak else 0.0)

    def x(i: int) -> float:
        return round(left + (width - left - right) * (i / max(1, count - 1)), 1)

    def y(v: float) -> float:
        return round(height - bottom - (height - top - bottom) * min(v, top_value) / top_value, 1)

    lines = []
    for name, css, values in series:
        runs: list[list[tuple[float, float]]] = [[]]
        for i, value in enumerate(values):
            if value is None:
                runs.append([])
            else:
                runs[-1].append((x(i), y(value)))
        runs = [run for run in runs if run]
        segments = [" ".join(f"{px},{py}" for px, py in run) for run in runs if len(run) > 1]
        # A point alone draws no line; the latest point is marked, as the value shown beside.
        dots = [run[0] for run in runs if len(run) == 1]
        if runs and len(runs[-1]) > 1:
            dots.append(runs[-1][-1])
        latest = next((v for v in reversed(values) if v is not None), None)
        lines.append(TimeLine(name, css, segments, dots, _format(latest, unit)))
    span = count * step_minutes
    marks = 4
    x_ticks = []
    for k in range(marks + 1):
        i = round((count - 1) * k / marks)
        ago = (count - 1 - i) * step_minutes
        moment = end - timedelta(minutes=ago)
        x_ticks.append((x(i), f"{moment:%H:%M}" if span <= 180 else f"{moment:%a %H:%M}"))
    y_ticks = [(y(top_value * f), _format(top_value * f, unit)) for f in (0, 0.5, 1)]
    return TimeChart(
        title=title, unit=unit, width=width, height=height,
        plot=(left, top, width - right, height - bottom), x_ticks=x_ticks, y_ticks=y_ticks,
        lines=lines, threshold=(y(threshold[0]), threshold[1]) if threshold else None,
        empty=not any(line.segments or line.dots for line in lines),
    )  # fmt: skip
