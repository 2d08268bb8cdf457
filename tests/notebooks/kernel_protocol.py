"""Protocol checks of the installed kernel through jupyter_client, as a Jupyter front end talks.

- kernel_info is answered at once, before the prelude has compiled;
- a forged (wrongly signed) execute_request is not run and gets no reply;
- cells run with the kernel's malloc settings (GLIBC_TUNABLES), and are built without debug
  assertions but with overflow checks;
- a panicking cell fails with ename "panic", and earlier variables survive it;
- one cell shows several displays and updates one of them in place;
- the next kernel start is handed to the warm spare the first kernel launched, and runs in the
  new kernel's working directory with its environment.

    python tests/notebooks/kernel_protocol.py --kernel mapping
"""
import argparse, os, sys, tempfile, time
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session


def run(kc, code, timeout=600):
    """Executes `code`; returns (reply content, iopub messages of that request)."""
    msg_id = kc.execute(code)
    reply = kc.get_shell_msg(timeout=timeout)
    # A kernel that binds its sockets late (a spare taking over) may still owe replies to the
    # repeated kernel_info requests that start_new_kernel sent while waiting.
    while reply["parent_header"].get("msg_id") != msg_id:
        assert reply["msg_type"] == "kernel_info_reply", reply
        reply = kc.get_shell_msg(timeout=timeout)
    messages = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return reply["content"], messages


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", default="mapping")
    args = ap.parse_args()
    km, kc = None, None
    since = time.time()
    started = time.monotonic()
    # start_new_kernel waits for the kernel_info reply.
    km, kc = start_new_kernel(kernel_name=args.kernel, startup_timeout=60)
    info_seconds = time.monotonic() - started
    try:
        assert info_seconds < 10, f"kernel_info took {info_seconds:.1f} s"
        print(f"ok   kernel_info answered {info_seconds:.2f} s after start")

        marker = Path(tempfile.mkdtemp()) / "forged-ran"
        forged = Session(key=b"not-the-connection-key", username="attacker")
        forged.send(kc.shell_channel.socket, "execute_request",
                    {"code": f'std::fs::write("{marker}", "x").unwrap();', "silent": False,
                     "store_history": True, "user_expressions": {}, "allow_stdin": False,
                     "stop_on_error": True})
        content, _ = run(kc, "let kept = 41 + 1;")
        assert content["status"] == "ok", content
        assert not marker.exists(), "a forged message was executed"
        assert not kc.shell_channel.msg_ready(), "a forged message got a reply"
        print("ok   forged execute_request ignored")

        if "GLIBC_TUNABLES" not in os.environ:
            content, messages = run(kc, 'std::env::var("GLIBC_TUNABLES").unwrap_or_default()')
            results = results_of(messages)
            assert results and "glibc.malloc.mmap_threshold=" in results[0], (content, results)
            print("ok   cells run with the kernel's malloc settings (GLIBC_TUNABLES)")
        else:
            print("SKIP the kernel's malloc settings: GLIBC_TUNABLES is set here, and wins")

        # Built for speed (no debug assertions: gemm at full speed) but overflow still panics.
        content, messages = run(kc, "cfg!(debug_assertions)")
        assert results_of(messages) == ["false"], (content, results_of(messages))
        content, _ = run(kc, "std::hint::black_box(255u8) + 1")
        assert content["status"] == "error" and "overflow" in content["evalue"], content
        print("ok   cells build without debug assertions and with overflow checks")

        content, messages = run(kc, 'panic!("deliberate")')
        assert content["status"] == "error" and content["ename"] == "panic", content
        assert "deliberate" in " ".join(content["traceback"]), content
        content, messages = run(kc, "kept")
        assert results_of(messages) == ["42"], messages
        print("ok   panic fails the cell; earlier variables survive")

        content, messages = run(kc, """
display("text/html", "<b>first</b>");
display("text/html", "<b>second</b>");
let mut handle = DisplayHandle::new();
handle.update("text/plain", "epoch 1");
handle.update("text/plain", "epoch 2");
""")
        assert content["status"] == "ok", content
        kinds = [m["msg_type"] for m in messages if "display" in m["msg_type"]]
        assert kinds == ["display_data"] * 3 + ["update_display_data"], kinds
        update = [m for m in messages if m["msg_type"] == "update_display_data"][0]
        assert update["content"]["data"]["text/plain"] == "epoch 2"
        assert update["content"]["transient"]["display_id"] == handle_id(messages)
        print("ok   several displays per cell; update_display_data in place")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    check_spare(args.kernel, since)
    return 0


def check_spare(kernel, since):
    """The kernel above launched a spare once its prelude was ready; the next start hands over."""
    argv = KernelSpecManager().get_kernel_spec(kernel).argv
    socket = Path(argv[argv.index("--build-dir") + 1]) / ".spare.sock"
    waited = time.monotonic()
    # A socket older than this test is a killed spare's leftover: wait for the new spare's.
    while not (socket.exists() and socket.stat().st_mtime > since):
        # The first spare on a machine builds the library into its own folder (minutes).
        assert time.monotonic() - waited < 1200, f"no spare kernel at {socket} after 20 min"
        time.sleep(0.5)
    print(f"ok   spare ready {time.monotonic() - waited:.0f} s after the first kernel shut down")
    workdir = Path(tempfile.mkdtemp()).resolve()
    started = time.monotonic()
    km, kc = start_new_kernel(kernel_name=kernel, startup_timeout=60, cwd=str(workdir),
                              env={**os.environ, "MAPPING_PROBE": "handed over"})
    try:
        content, messages = run(kc, 'format!("{} {} {}", std::env::var("MAPPING_KERNEL_SPARE_SERVED").unwrap_or_default(), '
                                    'std::env::var("MAPPING_PROBE").unwrap_or_default(), '
                                    'std::env::current_dir().unwrap().display())')
        first_result = time.monotonic() - started
        assert content["status"] == "ok", content
        result = results_of(messages)[0]
        assert result.strip('"') == f"1 handed over {workdir}", result
        content, messages = run(kc, "let t: Tensor<Rank1<2>, f32, AutoDevice> = dev.tensor([1.0, 2.0]);\nt.array()[1]")
        assert content["status"] == "ok", content
        print(f"ok   the next kernel was handed to the spare: its directory and environment, "
              f"first result {first_result:.1f} s after start")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)


def results_of(messages):
    """The plain-text results (`execute_result`) among a request's iopub messages."""
    return [m["content"]["data"]["text/plain"] for m in messages if m["msg_type"] == "execute_result"]


def handle_id(messages):
    shown = [m for m in messages if m["msg_type"] == "display_data" and m["content"]["transient"]]
    return shown[0]["content"]["transient"]["display_id"]


if __name__ == "__main__":
    sys.exit(main())
