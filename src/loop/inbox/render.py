"""Turning export rows into the file a client downloads: Json (a list of rows) or Xlsx (one sheet of rows with
a header, typed cells, and a second sheet describing the export).

Times are shown in the export's timezone: in Json as ISO 8601 with the offset (``Z`` for UTC), in Xlsx as
real date-time cells in local time (Excel has no time zones; the "Export" sheet names the zone).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

import orjson
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from loop.core.clock import iso
from loop.inbox.sources import COLUMNS, ConversationRow, value_of

CONTENT_TYPES = {
    "Json": "application/json",
    "Xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {"Json": "json", "Xlsx": "xlsx"}
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def _local(value: datetime, tz: tzinfo) -> datetime:
    return value.astimezone(tz)


def _json_time(value: datetime, tz: tzinfo) -> str:
    if tz is UTC or getattr(tz, "key", None) in ("UTC", "Etc/UTC"):
        return iso(value) or ""
    return _local(value, tz).isoformat(timespec="milliseconds")


def to_json(rows: Sequence[ConversationRow], tz: tzinfo) -> bytes:
    out: list[dict[str, Any]] = []
    for row in rows:
        item: dict[str, Any] = {}
        for column in COLUMNS:
            value = value_of(row, column)
            if column.kind == "datetime" and value is not None:
                value = _json_time(value, tz)
            elif column.kind == "list":
                value = list(value or [])
            item[column.key] = value
        out.append(item)
    return orjson.dumps(out)


def to_xlsx(rows: Sequence[ConversationRow], tz: tzinfo, about: dict[str, Any]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Conversations")
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=column.key)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells: list[Any] = []
        for column in COLUMNS:
            value = value_of(row, column)
            if column.kind == "datetime" and value is not None:
                cell = WriteOnlyCell(sheet, value=_local(value, tz).replace(tzinfo=None))
                cell.number_format = DATETIME_FORMAT
                cells.append(cell)
                continue
            if column.kind == "list":
                value = ", ".join(value or []) or None
            cells.append(value)
        sheet.append(cells)

    info = workbook.create_sheet("Export")
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 40
    for key, value in about.items():
        if isinstance(value, datetime):
            cell = WriteOnlyCell(info, value=_local(value, tz).replace(tzinfo=None))
            cell.number_format = DATETIME_FORMAT
            info.append([key, cell])
        else:
            info.append([key, value])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
