"""Reading the Excel template against reading the same rows as CSV (the baseline), and the report's review step.

    python bench/generate.py --observations 20000 --out bench/out/sample.csv
    python bench/xlsx_read.py bench/out/sample.csv

Writes the CSV's rows to a workbook (openpyxl, shared strings as Excel writes them), then times ``read_csv`` and
``read_xlsx`` on the two files (best of ``--repeat``), and ``review`` (missing columns, suggestions) on a report
with one unknown area code per row against building the same report without it. Prints one line per figure;
times only, no assertion.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openpyxl import Workbook

from api.config import Settings
from api.formats.tabular.template import read_csv
from api.formats.tabular.xlsx_input import read_xlsx
from api.model.report import ValidationReport
from api.model.submission import InputLimits, Problem
from api.services.ontology import ontology_triples
from api.validation.review import review
from api.validation.suggestions import CodeIndex


def best(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    workbook_path = args.csv.with_suffix(".xlsx")
    book = Workbook()
    sheet = book.active
    sheet.title = "Data"
    with args.csv.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    book.save(workbook_path)
    limits = InputLimits(max_bytes=None)
    rows = len(read_csv(args.csv, limits).records)
    csv_s = best(args.repeat, lambda: read_csv(args.csv, limits))
    xlsx_s = best(args.repeat, lambda: read_xlsx(workbook_path, limits))
    print(f"rows {rows:,}: read_csv {csv_s:.2f} s ({args.csv.stat().st_size / 1e6:.1f} MB), "
          f"read_xlsx {xlsx_s:.2f} s ({workbook_path.stat().st_size / 1e6:.1f} MB), ratio {xlsx_s / csv_s:.1f}x")
    codes = CodeIndex(ontology_triples(Settings().ontology_dir))
    findings = tuple(Problem("Violation", "code-list", f"row {n}, REF_AREA: 'GER' is not an area code", row=n,
                             column="REF_AREA", value="GER" if n % 2 else "FR") for n in range(2, rows + 2))
    plain_s = best(args.repeat, lambda: ValidationReport("x.csv", rows, findings).to_dict())
    reviewed_s = best(args.repeat, lambda: review(ValidationReport("x.csv", rows, findings), codes).to_dict())
    print(f"report of {rows:,} unknown codes: to_dict {plain_s:.2f} s; review + to_dict {reviewed_s:.2f} s")


if __name__ == "__main__":
    main()
