"""Protocol checks of the installed kernel through jupyter_client, as a Jupyter front end talks.

- kernel_info is answered at once, before the prelude has compiled;
- a forged (wrongly signed) execute_request is not run and gets no reply;
- a panicking cell fails with ename "panic", and earlier variables survive it;
- one cell shows several displays and updates one of them in place.

    python tests/notebooks/kernel_protocol.py --kernel mapping
"""
import argparse, sys, tempfile, time
from pathlib import Path

from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session


def run(kc, code, timeout=600):
    """Executes `code`; returns (reply content, iopub messages of that request)."""
    msg_id = kc.execute(code)
    reply = kc.get_shell_msg(timeout=timeout)
    assert reply["parent_header"]["msg_id"] == msg_id
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

        content, messages = run(kc, 'panic!("deliberate")')
        assert content["status"] == "error" and content["ename"] == "panic", content
        assert "deliberate" in " ".join(content["traceback"]), content
        content, messages = run(kc, "kept")
        results = [m for m in messages if m["msg_type"] == "execute_result"]
        assert results and results[0]["content"]["data"]["text/plain"] == "42", messages
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
    return 0


def handle_id(messages):
    shown = [m for m in messages if m["msg_type"] == "display_data" and m["content"]["transient"]]
    return shown[0]["content"]["transient"]["display_id"]


if __name__ == "__main__":
    sys.exit(main())
