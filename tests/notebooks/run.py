"""Executes notebooks headless on the installed course kernel, as a reader would run them.

Fails on any cell error (a failed `assert!` panics, and the kernel fails the cell), on a notebook
committed with outputs, and reports per-notebook and per-cell times. Executed copies (with their
outputs) go to --out, where the book is built from.

    python tests/notebooks/run.py --kernel mapping --out target/notebooks notebooks/*.ipynb
"""

import argparse
import json
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def committed_outputs(nb):
    """Code cells that carry outputs or execution counts (notebooks are committed clean)."""
    return [
        i for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]


def cell_seconds(cell):
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return None
    parse = lambda t: datetime.fromisoformat(t.replace("Z", "+00:00"))
    return (parse(end) - parse(start)).total_seconds()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--kernel", default="mapping")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cell-timeout", type=int, default=1200)
    parser.add_argument("--check-only", action="store_true", help="only check that notebooks are committed without outputs")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    dirty = {}
    for path in args.notebooks:
        cells = committed_outputs(nbformat.read(path, as_version=4))
        if cells:
            dirty[path] = cells
    for path, cells in dirty.items():
        print(f"FAIL {path}: committed with outputs in code cells {cells} (clear them before committing)")
    if dirty or args.check_only:
        return 1 if dirty else 0

    summary, failed = [], []
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(
            nb,
            kernel_name=args.kernel,
            timeout=args.cell_timeout,
            startup_timeout=120,
            record_timing=True,
            resources={"metadata": {"path": str(path.parent)}},
        )
        started = time.monotonic()
        error = None
        try:
            client.execute()
        except CellExecutionError as e:
            error = str(e)
        except Exception as e:  # kernel died, timeout, ...
            error = f"{type(e).__name__}: {e}"
        seconds = time.monotonic() - started
        # Cells tagged `raises-exception` show an error on purpose (a compile error the types
        # catch); they must really fail.
        for i, cell in enumerate(nb.cells):
            tags = cell.get("metadata", {}).get("tags", [])
            if error is None and "raises-exception" in tags and not any(
                o.get("output_type") == "error" for o in cell.get("outputs", [])
            ):
                error = f"cell {i} is tagged raises-exception but did not fail"
        nbformat.write(nb, args.out / path.name)
        cells = [s for s in (cell_seconds(c) for c in nb.cells if c.cell_type == "code") if s is not None]
        row = {
            "notebook": path.name,
            "seconds": round(seconds, 1),
            "cells": len(cells),
            "first_cell_seconds": round(cells[0], 2) if cells else None,
            "median_cell_seconds": round(statistics.median(cells[1:]), 2) if len(cells) > 1 else None,
            "ok": error is None,
        }
        summary.append(row)
        status = "ok  " if error is None else "FAIL"
        print(f"{status} {path.name:<44} {seconds:7.1f} s  {len(cells):3d} cells  "
              f"first {row['first_cell_seconds']} s  median {row['median_cell_seconds']} s", flush=True)
        if error:
            failed.append(path.name)
            print(error[-4000:], flush=True)

    later = [c for row in summary[1:] for c in [row["median_cell_seconds"]] if c is not None]
    total = sum(row["seconds"] for row in summary)
    print(f"== {len(summary)} notebooks in {total:.0f} s; median of later notebooks' median cell: "
          f"{round(statistics.median(later), 2) if later else 'n/a'} s")
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2))
    if failed:
        print("FAILED notebooks: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
