"""Every CUDA kernel source compiles with NVRTC, no GPU needed.

The `cuda` feature compiles `lib/src/ops/<op>/<op>.cu` at run time with NVRTC (ops/cuda/kernels.rs),
so without this check a typo in device code would first show on a GPU. For each op's `cuda.rs`
this reads its `KernelSource` (the `.cu` it includes and the kernel names it loads), compiles the
source as cudarc's `CompileOptions::default()` does (no options) and for sm_90 (H100), fails on
any error or warning in NVRTC's log, and checks that the PTX defines exactly the listed kernels.
Each struct the kernels take by value must have a `#[repr(C)]` twin on the Rust side with the
same 64-bit integer fields in the same order: the launch copies the Rust bytes as they are.

NVRTC comes from NVIDIA's `nvidia-cuda-nvrtc-cu12` wheel (scripts/requirements-test.txt), or
from the library `--nvrtc` names (scripts/gpu-bundle.sh passes CUDA 13.0's, as lent GPUs have).
Usage: nvrtc_compile.py [--lib lib] [--nvrtc libnvrtc.so]
"""

import argparse
import ctypes
import pathlib
import re
import sys


def load_nvrtc(path=None):
    if path is not None:
        return ctypes.CDLL(str(path))
    import nvidia.cuda_nvrtc  # the wheel's package; its lib/ holds libnvrtc.so.12

    lib_dir = pathlib.Path(list(nvidia.cuda_nvrtc.__path__)[0]) / "lib"
    return ctypes.CDLL(str(next(lib_dir.glob("libnvrtc.so.*"))))


def compile_ptx(nvrtc, source, name, options):
    """(ok, log, ptx) for one compile."""
    prog = ctypes.c_void_p()
    status = nvrtc.nvrtcCreateProgram(
        ctypes.byref(prog), source.encode(), name.encode(), 0, None, None
    )
    if status != 0:
        raise RuntimeError(f"nvrtcCreateProgram failed ({status})")
    opts = (ctypes.c_char_p * len(options))(*[o.encode() for o in options])
    status = nvrtc.nvrtcCompileProgram(prog, len(options), opts)
    size = ctypes.c_size_t()
    nvrtc.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
    log = ctypes.create_string_buffer(size.value)
    nvrtc.nvrtcGetProgramLog(prog, log)
    ptx = b""
    if status == 0:
        nvrtc.nvrtcGetPTXSize(prog, ctypes.byref(size))
        buf = ctypes.create_string_buffer(size.value)
        nvrtc.nvrtcGetPTX(prog, buf)
        ptx = buf.value
    nvrtc.nvrtcDestroyProgram(ctypes.byref(prog))
    return status == 0, log.value.decode(errors="replace").strip(), ptx.decode()


def kernel_sources(lib):
    """(cuda.rs, .cu path, listed kernel names) for every op with CUDA kernels."""
    found = []
    for rs in sorted((lib / "src" / "ops").glob("*/cuda.rs")):
        text = rs.read_text()
        block = re.search(r"KernelSource\s*\{(.*?)\n\};", text, re.S)
        if block is None:
            continue  # an op that runs on dfdx's own kernels (relu)
        body = block.group(1)
        cu = re.search(r'source:\s*include_str!\("([^"]+)"\)', body).group(1)
        names = re.findall(r'"([A-Za-z_0-9]+)"', re.search(r"functions:\s*&\[(.*?)\]", body, re.S).group(1))
        found.append((rs, rs.parent / cu, names))
    return found


def cuda_structs(cu_text):
    """{name: [field, ...]} of the source's structs, whose fields must all be `long long`."""
    structs = {}
    for name, body in re.findall(r"struct\s+(\w+)\s*\{(.*?)\};", cu_text, re.S):
        fields = []
        for decl in filter(None, (d.strip() for d in body.split(";"))):
            kind, _, names = decl.partition("long long")
            assert not kind.strip(), f"struct {name}: `{decl}` is not a list of long long fields"
            fields += [n.strip() for n in names.split(",")]
        structs[name] = fields
    return structs


def rust_repr_c_structs(paths):
    """[(name, [field, ...])] of the `#[repr(C)]` structs of i64 fields in these files."""
    found = []
    for path in paths:
        for name, body in re.findall(
            r"#\[repr\(C\)\]\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?struct\s+(\w+)\s*\{(.*?)\}",
            path.read_text(),
            re.S,
        ):
            fields = re.findall(r"(\w+)\s*:\s*i64", body)
            if fields and len(fields) == body.count(":"):
                found.append((name, fields))
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lib", default="lib", type=pathlib.Path)
    parser.add_argument("--nvrtc", type=pathlib.Path, help="libnvrtc.so to use")
    args = parser.parse_args()
    nvrtc = load_nvrtc(args.nvrtc)
    major, minor = ctypes.c_int(), ctypes.c_int()
    nvrtc.nvrtcVersion(ctypes.byref(major), ctypes.byref(minor))
    sources = kernel_sources(args.lib)
    assert len(sources) >= 3, f"expected conv2d, max_pool2d and avg_pool2d kernels, found {sources}"
    shared_rs = sorted((args.lib / "src" / "ops" / "cuda").glob("*.rs"))
    failures = 0
    for rs, cu, names in sources:
        source = cu.read_text()
        rust = rust_repr_c_structs([rs, *shared_rs])
        for name, fields in cuda_structs(source).items():
            twins = [r for r, f in rust if f == fields]
            if not twins:
                failures += 1
                print(f"FAIL {cu}: struct {name} {fields} has no #[repr(C)] twin of i64 fields in {rs}")
            else:
                print(f"ok   {cu}: struct {name} is laid out as {twins[0]} ({len(fields)} x i64)")
        for options in ([], ["--gpu-architecture=compute_90"]):
            ok, log, ptx = compile_ptx(nvrtc, source, cu.name, options)
            label = f"{cu} {' '.join(options) or '(default options)'}"
            if not ok or log:
                failures += 1
                print(f"FAIL {label}\n{log}")
                continue
            entries = re.findall(r"\.entry\s+([A-Za-z_0-9]+)\s*\(", ptx)
            if sorted(entries) != sorted(names):
                failures += 1
                print(f"FAIL {label}: PTX defines {sorted(entries)}, {rs} loads {sorted(names)}")
                continue
            print(f"ok   {label}: {len(entries)} kernels, {len(ptx) // 1024} KiB of PTX")
    print(f"== NVRTC {major.value}.{minor.value}: {len(sources)} kernel sources, {failures} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
