"""The balance chart's geometry: bars per rep as a share of the team mean, drawn by the
template as SVG (no charting library, no script; the table beside it is the text version)."""
from __future__ import annotations

from dataclasses import dataclass

from webapp.domain.balance import BalanceRow

WIDTH = 320  # viewBox units; scales to the screen, readable at 360 px
LABEL = 92  # left column for the rep's name
ROW = 34
BAR = 12
SCALE_MAX = 2.0  # bars are capped at twice the mean


@dataclass(frozen=True)
class Bar:
    y: float
    width: float
    percent: int
    flagged: bool


@dataclass(frozen=True)
class ChartRow:
    name: str
    label_y: float
    potential: Bar
    pipeline: Bar


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_x: int
    mean_x: float
    rows: tuple[ChartRow, ...]


def balance_chart(rows: list[BalanceRow]) -> Chart:
    """Two bars per rep (potential, qualified pipeline), each against the team mean line."""
    plot = WIDTH - LABEL - 8
    out = []
    for i, row in enumerate(rows):
        top = 8 + i * ROW

        def bar(metric: str, y: float) -> Bar:
            share = 1 + row.deviation[metric]
            return Bar(y, round(min(share, SCALE_MAX) / SCALE_MAX * plot, 1), round(share * 100),
                       metric in row.flagged)

        out.append(ChartRow(row.load.name[:14], top + BAR, bar("potential", top),
                            bar("pipeline", top + BAR + 2)))
    return Chart(WIDTH, 16 + len(rows) * ROW, LABEL, LABEL + plot / SCALE_MAX, tuple(out))
