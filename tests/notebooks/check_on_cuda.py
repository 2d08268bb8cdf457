"""Type-checks the notebooks with the library built for the GPU (`mapping`'s `cuda` feature).

A chapter must run on a GPU with nothing changed but the kernel (`mapping-kernel install
--features cuda`), which makes the prelude's `AutoDevice` dfdx's `Cuda`. A cell that names the
CPU (`Cpu::seed_from_u64(0).build_module(...)` beside an `Adam<AutoDevice>`) still runs on the
CPU kernel, so run.py cannot see it; it only fails to compile where `AutoDevice` is not `Cpu`.
There is no GPU or CUDA toolkit here, so this compiles instead of running: each notebook's code
cells become one Rust program, after the kernel's prelude, and `cargo check` type-checks them
against `mapping` with `cuda` and dfdx's `ci-check` (which skips the toolkit).

Cells keep evcxr's scoping: each opens a block that stays open to the program's end, so later
cells see earlier variables and items and may redefine an item. A `;` after each cell turns a
trailing display expression into a statement. Cells tagged `raises-exception` fail to compile
on purpose (run.py checks that they do) and leave nothing behind in evcxr, so they are left out.

    python tests/notebooks/check_on_cuda.py notebooks/*.ipynb
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What the kernel's prelude binds before the first cell (kernel/src/spec.rs, PRELUDE).
PRELUDE = "use mapping::prelude::*;\nlet dev = AutoDevice::default();\n"


def program(notebook: Path) -> str:
    cells = [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
    lines = [
        f"// {notebook.as_posix()}, type-checked with `mapping/cuda`",
        "// Only errors matter: the `;` after each cell is redundant, and cells leave values unused.",
        "#![allow(warnings)]",
        "fn main() {",
        PRELUDE,
    ]
    checked = 0
    for number, cell in enumerate(cells, start=1):
        if "raises-exception" in cell.get("metadata", {}).get("tags", []):
            lines.append(f"// ---- code cell {number}: fails on purpose, left out ----")
            continue
        checked += 1
        source = "".join(cell["source"])
        # evcxr's own commands (`:dep ...`) are not Rust.
        code = "\n".join(line for line in source.splitlines() if not line.startswith(":"))
        lines += [f"// ---- code cell {number} ----", "{", code, ";"]
    lines.append("}" * checked + "\n}\n")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "target/notebooks-on-cuda")
    args = parser.parse_args()

    shutil.rmtree(args.out, ignore_errors=True)
    (args.out / "src/bin").mkdir(parents=True)
    bins = {}
    for notebook in args.notebooks:
        name = "notebook_" + re.sub(r"\W", "_", notebook.stem)
        bins[name] = notebook
        (args.out / f"src/bin/{name}.rs").write_text(program(notebook))
    (args.out / "Cargo.toml").write_text(
        f"""[package]
name = "notebooks-on-cuda"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
# As the kernel's init.evcxr has it (`install --features cuda`).
mapping = {{ path = {json.dumps(str(ROOT / "lib"))}, default-features = false, features = ["cuda"] }}
# Type-checks the CUDA path without the toolkit.
dfdx = {{ version = "0.13", default-features = false, features = ["ci-check"] }}

[workspace]
"""
    )
    # The workspace's versions, and its target folder, whose dependency builds this reuses.
    shutil.copy(ROOT / "Cargo.lock", args.out / "Cargo.lock")
    env = dict(os.environ, CARGO_TARGET_DIR=str(ROOT / "target"))
    check = subprocess.run(
        ["cargo", "check", "--bins", "--keep-going", "--manifest-path", str(args.out / "Cargo.toml")],
        env=env,
    )
    if check.returncode != 0:
        print(f"FAIL: a notebook does not compile with AutoDevice = Cuda (generated code in {args.out}/src/bin)")
        return 1
    print(f"ok: {len(bins)} notebooks type-check with AutoDevice = Cuda")
    return 0


if __name__ == "__main__":
    sys.exit(main())
