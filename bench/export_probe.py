"""One export measurement, in a process of its own so that its peak memory is
its own: `python -m bench.export_probe KIND --meeting SLUG --output FILE`.

Kinds:

- `app-csv`, `app-xlsx`: the attendance-by-session report as the admin's
  download makes it (`MeetingReport.chunks`), written to a file. With
  `--limit N`, the same exporter and writer over the first N records.
- `copy-csv`: the floor for CSV, PostgreSQL's `COPY (...) TO STDOUT WITH
  CSV` of the very query the report runs (same rows, same order).
- `bare-openpyxl`, `bare-xlsxwriter`: the floors for XLSX, a bare
  write-only (constant-memory) loop over the report's rows, made into plain
  tuples before the clock starts.

Prints one line of JSON: seconds, rows, bytes, and the resident set size
before the export and at its peak during it (VmHWM, reset just before), in
KiB.
"""

import argparse
import gc
import json
import os
import resource
import sys
import time
from pathlib import Path

APP_KINDS = ("app-csv", "app-xlsx")
FLOOR_KINDS = ("copy-csv", "bare-openpyxl", "bare-xlsxwriter")
REPORT = "attendance-by-session"


def rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def reset_peak_rss():
    """Start the kernel's peak RSS (VmHWM) afresh, so that the peak read
    after the export is the export's, not that of start-up. Returns False
    where the kernel does not allow it (then ru_maxrss, a lifetime peak)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def peak_rss_kib(reset):
    if reset:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def plain_rows(exporter, queryset):
    """The report's rows as the XLSX writer receives them, as tuples."""
    from delegates.exports import Heading, _xlsx_value

    rows = [tuple(str(title) for title in exporter.header())]
    for row in exporter.rows(queryset):
        if not isinstance(row, Heading):
            rows.append(tuple(_xlsx_value(value) for value in row))
    return rows


def run(kind, meeting_slug, output, limit):
    import django

    django.setup()
    from django.db import connection

    from delegates.exports import write_csv, write_xlsx
    from delegates.reports import REPORTS
    from delegates.reports.attendance import attendance_records
    from meetings.models import Meeting

    meeting = Meeting.objects.get(slug=meeting_slug)
    report = REPORTS[REPORT](meeting)
    exporter = report.exporter()
    queryset = attendance_records(meeting)
    if limit:
        queryset = queryset[:limit]
    rows = queryset.count()
    prepared = None
    if kind in ("bare-openpyxl", "bare-xlsxwriter"):
        prepared = plain_rows(exporter, queryset)
    connection.ensure_connection()
    gc.collect()
    before = rss_kib()
    reset = reset_peak_rss()
    started = time.perf_counter()
    with open(output, "wb") as stream:
        if kind in APP_KINDS and not limit:
            for block in report.chunks(kind.removeprefix("app-")):
                stream.write(block)
        elif kind == "app-csv":
            write_csv(exporter, queryset, stream)
        elif kind == "app-xlsx":
            write_xlsx(exporter, queryset, stream)
        elif kind == "copy-csv":
            copy_csv(connection, exporter, queryset, stream)
        elif kind == "bare-openpyxl":
            bare_openpyxl(prepared, stream)
    if kind == "bare-xlsxwriter":
        bare_xlsxwriter(prepared, output)
    seconds = time.perf_counter() - started
    return {
        "kind": kind,
        "meeting": meeting_slug,
        "limit": limit,
        "rows": rows,
        "seconds": seconds,
        "bytes": Path(output).stat().st_size,
        "rss_before_kib": before,
        "rss_peak_kib": peak_rss_kib(reset),
        "peak_since_start": not reset,
    }


def copy_csv(connection, exporter, queryset, stream):
    sql, params = queryset.values_list(*exporter.fields).query.sql_with_params()
    with connection.cursor() as cursor:
        query = cursor.cursor.mogrify(sql, params).decode()
        cursor.cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH CSV HEADER", stream)


def bare_openpyxl(rows, stream):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    workbook.save(stream)


def bare_xlsxwriter(rows, path):
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = workbook.add_worksheet()
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)
    workbook.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=APP_KINDS + FLOOR_KINDS)
    parser.add_argument("--meeting", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    result = run(args.kind, args.meeting, args.output, args.limit)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
