"""The notebooks with the library built for the GPU (`mapping`'s `cuda` feature).

A chapter must run on a GPU with nothing changed but the kernel (`mapping-kernel install
--features cuda`), which makes the prelude's `AutoDevice` dfdx's `Cuda`. A cell that names the
CPU (`Cpu::seed_from_u64(0).build_module(...)` beside an `Adam<AutoDevice>`) still runs on the
CPU kernel, so run.py cannot see it; it only fails to compile where `AutoDevice` is not `Cpu`.
There is no GPU or CUDA toolkit here, so this compiles instead of running: each notebook's code
cells become one Rust program, after the kernel's prelude, and `cargo check` type-checks them
against `mapping` with `cuda` and dfdx's `ci-check` (which skips the toolkit).

With `--program DIR` it writes instead a crate whose one binary runs the notebooks as programs
(`notebooks-on-gpu [NAME...]`), for a GPU machine without Rust: `scripts/gpu-bundle.sh` builds
it with the real `cuda` feature and `scripts/gpu-check.sh` runs it there.

Cells keep evcxr's scoping: each opens a block that stays open to the program's end, so later
cells see earlier variables and items and may redefine an item. A `;` after each cell turns a
trailing display expression into a statement. Cells tagged `raises-exception` fail to compile
on purpose (run.py checks that they do) and leave nothing behind in evcxr, so they are left out.

    python tests/notebooks/check_on_cuda.py notebooks/*.ipynb
    python tests/notebooks/check_on_cuda.py --program target/notebooks-on-gpu notebooks/*.ipynb
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
# What the kernel runs before the first cell: imports, `dev` and the tensor-id fence.
PRELUDE = (ROOT / "kernel/prelude.rs").read_text()
DEFAULT_OUT = ROOT / "target/notebooks-on-cuda"
# Only errors matter: the `;` after each cell is redundant, and cells leave values unused.
ALLOW = "#![allow(warnings)]"


def rust_name(notebook: Path) -> str:
    return "notebook_" + re.sub(r"\W", "_", notebook.stem)


def body(notebook: Path) -> str:
    """The notebook's code as the statements of one function body, after the prelude."""
    cells = [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
    lines = [f"// {notebook.as_posix()}", PRELUDE]
    opened = 0
    for number, cell in enumerate(cells, start=1):
        if "raises-exception" in cell.get("metadata", {}).get("tags", []):
            lines.append(f"// ---- code cell {number}: fails on purpose, left out ----")
            continue
        opened += 1
        source = "".join(cell["source"])
        # evcxr's own commands (`:dep ...`) are not Rust.
        code = "\n".join(line for line in source.splitlines() if not line.startswith(":"))
        lines += [f"// ---- code cell {number} ----", "{", code, ";"]
    lines.append("}" * opened)
    return "\n".join(lines)


def manifest(name: str, features: str, dfdx_features: str) -> str:
    return f"""[package]
name = "{name}"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
# As the kernel's init.evcxr has it (`install --features cuda`).
mapping = {{ path = {json.dumps(str(ROOT / "lib"))}, default-features = false, features = [{features}] }}
dfdx = {{ version = "0.13", default-features = false, features = [{dfdx_features}] }}

[workspace]
"""


def write_crate(out: Path, cargo_toml: str, sources: dict) -> None:
    shutil.rmtree(out, ignore_errors=True)
    for path, text in sources.items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(text)
    (out / "Cargo.toml").write_text(cargo_toml)
    # The workspace's versions, so that this builds what the workspace builds.
    shutil.copy(ROOT / "Cargo.lock", out / "Cargo.lock")


def runner(notebooks: list) -> str:
    """One binary: each notebook a function, run in order (or those named), each under
    catch_unwind so that one failed `assert!` does not hide the rest."""
    modules = [f"mod {rust_name(nb)} {{\npub fn run() {{\n{body(nb)}\n}}\n}}\n" for nb in notebooks]
    table = ",\n".join(f'    ("{nb.stem}", {rust_name(nb)}::run as fn())' for nb in notebooks)
    return f"""{ALLOW}
// Written by tests/notebooks/check_on_cuda.py --program: the course's notebooks as functions.
{"".join(modules)}
const NOTEBOOKS: &[(&str, fn())] = &[
{table}
];

fn main() {{
    let only: Vec<String> = std::env::args().skip(1).collect();
    if let Some(unknown) = only.iter().find(|o| !NOTEBOOKS.iter().any(|(name, _)| name == o)) {{
        let names: Vec<&str> = NOTEBOOKS.iter().map(|(name, _)| *name).collect();
        eprintln!("notebooks-on-gpu: no notebook {{unknown:?}} (there are: {{}})", names.join(", "));
        std::process::exit(2);
    }}
    let mut failed = 0;
    for (name, run) in NOTEBOOKS {{
        if !only.is_empty() && !only.iter().any(|o| o == name) {{
            continue;
        }}
        let started = std::time::Instant::now();
        let passed = std::panic::catch_unwind(run).is_ok();
        let seconds = started.elapsed().as_secs_f64();
        eprintln!("{{}} {{name}} {{seconds:.1}} s", if passed {{ "ok  " }} else {{ "FAIL" }});
        failed += usize::from(!passed);
    }}
    eprintln!("notebooks: {{failed}} failed");
    std::process::exit(i32::from(failed > 0));
}}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--program", type=Path, metavar="DIR",
                        help="write the crate of the notebooks-on-gpu binary into DIR; build nothing")
    parser.add_argument("--cpu", action="store_true",
                        help="with --program: the library without `cuda`, to try the program here")
    args = parser.parse_args()

    if args.program:
        features = "" if args.cpu else '"cuda"'
        write_crate(args.program, manifest("notebooks-on-gpu", features, ""),
                    {"src/main.rs": runner(args.notebooks)})
        print(f"wrote {args.program}: {len(args.notebooks)} notebooks in one binary, notebooks-on-gpu")
        return 0

    write_crate(args.out, manifest("notebooks-on-cuda", '"cuda"', '"ci-check"'), {
        f"src/bin/{rust_name(nb)}.rs": f"{ALLOW}\nfn main() {{\n{body(nb)}\n}}\n"
        for nb in args.notebooks
    })
    # The workspace's target folder, whose dependency builds this reuses. Not for another
    # --out: cargo would take that crate's binaries for these (same name, same relative paths)
    # and find them fresh.
    target = ROOT / "target" if args.out.resolve() == DEFAULT_OUT else args.out / "target"
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    check = subprocess.run(
        ["cargo", "check", "--bins", "--keep-going", "--manifest-path", str(args.out / "Cargo.toml")],
        env=env,
    )
    if check.returncode != 0:
        print(f"FAIL: a notebook does not compile with AutoDevice = Cuda (generated code in {args.out}/src/bin)")
        return 1
    print(f"ok: {len(args.notebooks)} notebooks type-check with AutoDevice = Cuda")
    return 0


if __name__ == "__main__":
    sys.exit(main())
