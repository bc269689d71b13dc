"""Tables that fit the terminal: columns dropped least vital first, cells cut to their width
(`fit_columns`), drawn as styled lines, as plain text when stdout is not a terminal, or as a
rich Table for boxed output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich import box
from rich.cells import cell_len, set_cell_size
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:  # panels (show) and trees (why) are imported by the commands that draw them
    pass


def fitted(cell: Text | str, column: Column) -> Text:
    """A cell cut (with an ellipsis) or padded to its column's width."""
    if isinstance(cell, str):
        cell = Text(cell)
    if cell.cell_len > column.size:
        cell = cell.copy()
        cell.truncate(column.size, overflow="ellipsis")
    room = column.size - cell.cell_len
    if room <= 0:
        return cell
    if column.justify == "right":
        return Text(" " * room).append_text(cell)
    padded = cell.copy()
    padded.pad_right(room)
    return padded


def line_table(columns: list[Column], *, narrow: bool = False) -> Text:
    """The look of `table` for one-line cells, built as lines of text: rich's Table costs
    ~0.4 ms a row (measuring, wrapping, cropping every cell), 10 s for 25,000 hits, where
    cutting and padding each cell to its known width costs a few microseconds."""
    gap = Text("  ")
    lines = [gap.join(fitted(Text(c.title, style="table.header"), c) for c in columns)]
    if not narrow:
        lines.append(Text("─" * lines[0].cell_len))
    lines.extend(
        gap.join(fitted(cell, column) for cell, column in zip(cells, columns, strict=True))
        for cells in zip(*(column.cells for column in columns), strict=True)
    )
    return Text("\n").join(lines)


def plain_fitted(text: str, column: Column) -> str:
    width = cell_len(text)
    if width > column.size:  # as Text.truncate(overflow="ellipsis") cuts
        text, width = set_cell_size(text, column.size - 1) + "…", column.size
    pad = " " * (column.size - width)
    return pad + text if column.justify == "right" else text + pad


def plain_table(columns: list[Column], *, narrow: bool = False) -> str:
    """`line_table` as plain text, for output that is not a terminal."""
    lines = ["  ".join(plain_fitted(c.title, c) for c in columns).rstrip()]
    if not narrow:
        lines.append("─" * cell_len(lines[0]))
    lines.extend(
        "  ".join(
            plain_fitted(cell if isinstance(cell, str) else cell.plain, column)
            for cell, column in zip(cells, columns, strict=True)
        ).rstrip()
        for cells in zip(*(column.cells for column in columns), strict=True)
    )
    return "\n".join(lines)


def table(columns: list[Column], *, narrow: bool = False) -> Table:
    """A table of sized columns under a header rule (no rule and no box on narrow terminals):
    one line per row, except where the filling column may wrap (``fold``)."""
    table = Table(box=None if narrow else box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=not narrow)
    for column in columns:
        justify: Any = column.justify
        table.add_column(
            column.title,
            width=column.size,
            no_wrap=not column.fold,
            overflow="fold" if column.fold else "ellipsis",
            justify=justify,
        )
    for cells in zip(*(column.cells for column in columns), strict=True):
        table.add_row(*cells)
    return table


class Column:
    """A table column: its cells, the narrowest it may become, when it is dropped (never: 0),
    whether it takes the room the others leave (``fills``) and wraps rather than cuts (``fold``)."""

    def __init__(
        self,
        title: str,
        cells: Sequence[Text | str],
        *,
        floor: int = 0,
        drop: int = 0,
        fills: bool = False,
        fold: bool = False,
        justify: str = "left",
        style: str = "",
    ) -> None:
        self.title = title
        self.cells = cells
        if style:
            for cell in cells:
                if isinstance(cell, Text):
                    cell.stylize(style)
        self.natural = max([cell_len(title), *(c.cell_len if isinstance(c, Text) else cell_len(c) for c in cells)])
        self.floor = min(floor, self.natural) if floor else self.natural
        self.drop = drop
        self.fills = fills
        self.fold = fold
        self.justify = justify
        self.size = self.natural


COLUMN_GAP = 2  # two padding spaces, or one and the box's blank separator


def fit_columns(columns: list[Column], width: int) -> list[Column]:
    """The columns to show within ``width``, each given a ``size``.

    Columns are dropped, least vital first, until every kept one fits at its floor; then each
    gets room up to its natural width, left to right, the filling column (the verdict, which
    ends in an ellipsis) last. Columns that are never dropped (the id) are never cut either,
    unless nothing else is left to give way.
    """
    kept = list(columns)
    while True:
        room = width - COLUMN_GAP * (len(kept) - 1)
        droppable = [c for c in kept if c.drop]
        if sum(c.floor for c in kept) <= room or not droppable:
            break
        kept.remove(min(droppable, key=lambda c: c.drop))
    spare = room - sum(c.floor for c in kept)
    for column in sorted(kept, key=lambda c: c.fills):
        column.size = column.floor + max(0, min(spare, column.natural - column.floor))
        spare -= column.size - column.floor
    filling = next((c for c in kept if c.fills), None)
    if spare < 0 and filling:  # nothing left to drop: the filling column gives way
        filling.size = max(filling.size + spare, 3)
    return kept
