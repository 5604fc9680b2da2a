"""Geometry for the two small server-drawn SVG charts (no chart framework): the reverse funnel
and forecast accuracy over time. Templates draw the shapes; every chart also has a table."""
from __future__ import annotations

from dataclasses import dataclass

from webapp.domain.pipeline_metrics import ForecastResult, ReverseFunnel
from webapp.domain.stages import FUNNEL, FUNNEL_LABELS

FUNNEL_WIDTH = 300
FUNNEL_ROW = 44
ACCURACY_BAR = 44
ACCURACY_HEIGHT = 100


@dataclass(frozen=True)
class FunnelBar:
    level: str
    label: str
    needed: int | None
    have: int
    x: float
    y: int
    width: float
    have_width: float


@dataclass(frozen=True)
class FunnelChart:
    bars: list[FunnelBar]
    width: int
    height: int
    row: int
    summary: str


def funnel(result: ReverseFunnel, in_pipeline: dict[str, int]) -> FunnelChart:
    """Centred bars, widest at the top (first meetings), each as wide as the count needed; a
    thin line under each shows how many are open in the pipeline now (same scale)."""
    levels = list(FUNNEL)  # drawn top-down: first meetings ... won
    scale_max = max([result.needed[level] or 0 for level in levels]
                    + [in_pipeline.get(level, 0) for level in levels] + [1])
    bars = []
    for index, level in enumerate(levels):
        needed = result.needed[level]
        have = in_pipeline.get(level, 0)
        width = max(4.0, FUNNEL_WIDTH * (needed or 0) / scale_max) if needed else 4.0
        have_width = min(FUNNEL_WIDTH, FUNNEL_WIDTH * have / scale_max) if have else 0.0
        bars.append(FunnelBar(level, FUNNEL_LABELS[level], needed, have,
                              (FUNNEL_WIDTH - width) / 2, index * FUNNEL_ROW, width, have_width))
    parts = [f"{b.label}: {b.needed if b.needed is not None else 'unknown'} needed"
             for b in bars]
    return FunnelChart(bars, FUNNEL_WIDTH, FUNNEL_ROW * len(levels), FUNNEL_ROW,
                       "; ".join(parts) + ".")


@dataclass(frozen=True)
class AccuracyBar:
    label: str
    x: int
    height: float
    value: float | None


@dataclass(frozen=True)
class AccuracyChart:
    bars: list[AccuracyBar]
    width: int
    height: int
    bar: int
    summary: str


def accuracy(results: list[ForecastResult]) -> AccuracyChart:
    """One bar per closed period, as tall as the forecast was accurate (0-100%)."""
    bars = [AccuracyBar(f"Q{r.period.number} \u2019{r.period.fiscal_year % 100:02d}",
                        i * ACCURACY_BAR,
                        2.0 if r.accuracy is None else max(2.0, r.accuracy * ACCURACY_HEIGHT),
                        r.accuracy)
            for i, r in enumerate(results)]
    parts = [f"{r.period.label}: "
             f"{'no forecast' if r.accuracy is None else f'{round(r.accuracy * 100)}%'}"
             for r in results]
    return AccuracyChart(bars, max(1, len(bars)) * ACCURACY_BAR, ACCURACY_HEIGHT, ACCURACY_BAR,
                         "Forecast accuracy by period. " + "; ".join(parts) + ".")
