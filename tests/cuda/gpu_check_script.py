"""scripts/gpu-check.sh, run on stand-ins, no GPU needed.

A lent GPU comes rarely and for 10 minutes a call, and the script runs there untried: its
order, exit status and summary are checked here instead. A temporary tree holds a copy of the
script and a bundle whose binaries are shell stand-ins that print what the real ones print; a
stand-in `nvidia-smi`, a `nvidia.cu13` package with CUDA's library names, and a `torch` whose
`cuda.is_available()` is true stand in for the machine. Each case asserts:

- all pass: exit 0; the summary has the tests' line, the CLI's, the chapters' and the images/s
  ratio; the benchmark and the CLI run before the chapters (a call that runs out of time keeps
  the ratio); the CLI is asked for the GPU;
- chapters that run out of time: exit 124, "timed out" in the summary, which still has the ratio;
- GPU tests that fail: their exit status, after the benchmark and chapters have still run;
- a CLI that fails: its exit status, and said in the summary;
- GPU tests that skip (no usable device): exit 1 and a message, nothing benchmarked;
- chapter names: passed on to the chapters' program.

Usage: gpu_check_script.py
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def executable(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)


CLI = r"""#!/bin/sh
echo "cli: $*" >> "$(dirname "$0")/cli-args"
case "$1" in
train) echo "small-resnet: 175258 parameters, device cuda; 4096 training images"
       touch "$(echo "$*" | sed 's/.*--out \([^ ]*\).*/\1/')/best.safetensors" ;;
eval)  echo "small-resnet on synthetic: 10000 images, loss 0.4321"
       echo "    accuracy                         0.8765     10000" ;;
esac
"""
CLI_FAIL = "#!/bin/sh\necho 'error: device error: no CUDA device: the driver did not start' >&2\nexit 1\n"


def machine(tmp: Path, tests: str, chapters: str, cli: str) -> Path:
    """A checkout with a bundle of stand-ins, and the machine around it; returns the checkout."""
    tree = tmp / "tree"
    (tree / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts/gpu-check.sh", tree / "scripts")
    executable(tree / "scripts/torch_seed_cnn_gpu.py",
               'print(\'{"framework": "PyTorch (stand-in)", "train_images_per_s": 5000.0, "step_ms": 102.4}\')\n')
    bundle = tree / "target/gpu-bundle"
    executable(bundle / "gpu-tests", tests)
    executable(bundle / "seed-cnn-gpu-bench",
               "#!/bin/sh\necho '{\"train_images_per_s\": 12500.0, \"step_ms\": 41.0}'\n")
    executable(bundle / "notebooks-on-gpu", chapters)
    executable(bundle / "mapping", cli)
    (bundle / "dfdx-out").mkdir()
    (bundle / "dfdx-out/dfdx.cuh").write_text("// stand-in\n")
    (bundle / "paths.env").write_text(
        f"DFDX_OUT_DIRS=({tmp}/dfdx-out-1 {tmp}/dfdx-out-2)\n"
        f"CUDA_INCLUDE_DIR={tmp}/cuda/include\nBUILT_FROM=stand-in\n")
    executable(tmp / "bin/nvidia-smi", "#!/bin/sh\necho 'Stand-in GPU, 580.00, 81559 MiB'\n")
    cu13 = tmp / "py/nvidia/cu13"
    for name in ["__init__.py", "lib/libcublas.so.13", "lib/libnvrtc.so.13",
                 "include/cuda_fp16.h", "include/nv/target"]:
        (cu13 / name).parent.mkdir(parents=True, exist_ok=True)
        (cu13 / name).write_text("")
    (tmp / "py/nvidia/__init__.py").write_text("")
    (tmp / "py/torch").mkdir()
    (tmp / "py/torch/__init__.py").write_text(
        "class cuda:\n    @staticmethod\n    def is_available():\n        return True\n")
    return tree


def run(tmp: Path, tests: str, chapters: str, *args: str, check_s: int = 570, cli: str = CLI):
    tree = machine(tmp, tests, chapters, cli)
    env = dict(os.environ,
               PATH=f"{tmp}/bin:{os.environ['PATH']}",
               PYTHONPATH=f"{tmp}/py",
               MAPPING_GPU_CHECK_S=str(check_s))
    env.pop("MAPPING_GPU_CHECK_OUT", None)
    done = subprocess.run(["bash", "scripts/gpu-check.sh", *args], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=120)
    out = tree / "target/gpu-check"
    summary = (out / "summary.md").read_text() if (out / "summary.md").exists() else ""
    return done, summary, out


TESTS_PASS = "#!/bin/sh\necho 'test result: ok. 5 passed; 0 failed; 0 ignored'\n"
TESTS_FAIL = "#!/bin/sh\necho 'test result: FAILED. 4 passed; 1 failed; 0 ignored'\nexit 101\n"
TESTS_SKIP = "#!/bin/sh\necho 'SKIPPED: no CUDA device'\necho 'test result: ok. 5 passed'\n"
CHAPTERS = """#!/bin/sh
echo "args: $*"
echo EVCXR_BEGIN_CONTENT image/svg+xml; echo '<svg/>'; echo EVCXR_END_CONTENT
echo "ok   00-welcome 1.0 s" >&2
echo "notebooks: 0 failed" >&2
"""
CHAPTERS_HANG = """#!/bin/sh
echo "ok   00-welcome 1.0 s" >&2
sleep 60
"""


def check(name: str, condition: bool, detail) -> bool:
    print(("ok   " if condition else "FAIL ") + name)
    if not condition:
        print(f"     {detail}")
    return condition


def main() -> int:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        done, summary, out = run(Path(tmp), TESTS_PASS, CHAPTERS)
        order = [done.stdout.find(s)
                 for s in ["== GPU tests", "== seed CNN", "== the CLI", "== the chapters"]]
        cli_args = (out.parent / "gpu-bundle/cli-args").read_text()
        results += [
            check("all pass: exit 0", done.returncode == 0, done.stdout + done.stderr),
            check("all pass: the summary quotes tests, chapters and the ratio",
                  "5 passed" in summary and "notebooks: 0 failed" in summary
                  and "12500.0 images/s" in summary and "ratio mapping / PyTorch = 2.50" in summary,
                  summary),
            check("all pass: the summary quotes the CLI's device, loss and accuracy",
                  "parameters, device cuda; eval: on synthetic: 10000 images, loss 0.4321, "
                  "accuracy 0.8765" in summary, summary),
            check("the CLI trains and evaluates with --device cuda",
                  cli_args.count("--device cuda") == 2 and "cli: train" in cli_args
                  and "cli: eval" in cli_args, cli_args),
            check("the benchmark and the CLI run before the chapters",
                  -1 < order[0] < order[1] < order[2] < order[3], order),
            check("the chapters' displays are left out of their log",
                  "<svg/>" not in (out / "notebooks-stdout.log").read_text()
                  and "args: " in (out / "notebooks-stdout.log").read_text(),
                  (out / "notebooks-stdout.log").read_text()),
            check("the dfdx headers are put where the binaries look",
                  (Path(tmp) / "dfdx-out-2/dfdx.cuh").is_file()
                  and (Path(tmp) / "cuda/include/cuda_fp16.h").exists(), sorted(os.listdir(tmp))),
        ]
    with tempfile.TemporaryDirectory() as tmp:
        done, summary, _ = run(Path(tmp), TESTS_PASS, CHAPTERS_HANG, check_s=0)
        results += [
            check("chapters out of time: exit 124", done.returncode == 124, done.stdout + done.stderr),
            check("chapters out of time: said, and the ratio kept",
                  "timed out after 10 s" in summary and "ratio mapping / PyTorch" in summary, summary),
        ]
    with tempfile.TemporaryDirectory() as tmp:
        done, summary, out = run(Path(tmp), TESTS_FAIL, CHAPTERS)
        results += [
            check("failing GPU tests: their exit status", done.returncode == 101,
                  done.stdout + done.stderr),
            check("failing GPU tests: the bench and chapters still ran",
                  "1 failed" in summary and "notebooks: 0 failed" in summary
                  and json.loads((out / "bench_mapping.json").read_text())["step_ms"] == 41.0,
                  summary),
        ]
    with tempfile.TemporaryDirectory() as tmp:
        done, summary, _ = run(Path(tmp), TESTS_PASS, CHAPTERS, cli=CLI_FAIL)
        results += [
            check("a failing CLI: its exit status, said in the summary; the chapters still ran",
                  done.returncode == 1 and "the CLI with --device cuda: failed (exit 1)" in summary
                  and "notebooks: 0 failed" in summary, done.stdout + done.stderr + summary),
        ]
    with tempfile.TemporaryDirectory() as tmp:
        done, summary, out = run(Path(tmp), TESTS_SKIP, CHAPTERS)
        results += [
            check("skipped GPU tests: exit 1, said, nothing benchmarked",
                  done.returncode == 1 and "skipped" in done.stderr
                  and not (out / "bench_mapping.json").exists(), done.stdout + done.stderr),
        ]
    with tempfile.TemporaryDirectory() as tmp:
        done, _, out = run(Path(tmp), TESTS_PASS, CHAPTERS, "run", "02-convolution", "07-evaluation")
        results += [
            check("chapter names reach the chapters' program",
                  done.returncode == 0 and "args: 02-convolution 07-evaluation"
                  in (out / "notebooks-stdout.log").read_text(), done.stdout + done.stderr),
        ]
    print(f"gpu-check.sh: {sum(results)} of {len(results)} checks pass")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
