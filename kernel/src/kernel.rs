//! The Jupyter kernel: five ZeroMQ sockets, each message verified, cells run on one evcxr
//! context in a thread of their own.
//!
//! The shell loop never waits for the prelude to compile: `kernel_info_request` is answered at
//! once, and execute requests queue until the evaluator is ready. Output is forwarded as it is
//! printed; display lines become `display_data` / `update_display_data`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use crossbeam_channel::{select, Receiver};
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};
use zeromq::{Socket, SocketRecv, SocketSend, ZmqMessage};

use crate::cells::{self, CellError, StdoutLine};
use crate::connection::ConnectionInfo;
use crate::wire::{Message, Signer, PROTOCOL_VERSION};

type Iopub = mpsc::UnboundedSender<Message>;

/// Work for the evaluator thread.
enum Job {
    Execute {
        request: Message,
        execution_count: u64,
        done: oneshot::Sender<Result<(), CellError>>,
    },
    Complete {
        code: String,
        cursor: usize,
        done: oneshot::Sender<Value>,
    },
}

/// An evcxr context whose prelude has already compiled (a spare kernel's).
pub type Started = (evcxr::CommandContext, evcxr::EvalContextOutputs);

/// Called once the prelude is ready (the kernel launches its spare then, so that the spare's
/// warm-up never slows this kernel's own start).
pub type OnReady = Box<dyn FnOnce() + Send>;

pub fn run(
    connection_file: &Path,
    started: Option<Started>,
    on_ready: OnReady,
) -> Result<(), String> {
    let info = ConnectionInfo::read(connection_file)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(serve(info, started, on_ready))
}

async fn bind<S: Socket>(info: &ConnectionInfo, port: u16) -> Result<S, String> {
    let mut socket = S::new();
    let endpoint = info.endpoint(port);
    socket
        .bind(&endpoint)
        .await
        .map_err(|e| format!("cannot bind {endpoint}: {e}"))?;
    Ok(socket)
}

async fn serve(
    info: ConnectionInfo,
    started: Option<Started>,
    on_ready: OnReady,
) -> Result<(), String> {
    let signer = Signer::new(&info.key);
    if info.key.is_empty() {
        eprintln!("mapping-kernel: the connection file has no key; messages are not signed");
    }
    let session = uuid::Uuid::new_v4().to_string();
    let mut shell: zeromq::RouterSocket = bind(&info, info.shell_port).await?;
    let mut control: zeromq::RouterSocket = bind(&info, info.control_port).await?;
    let mut stdin: zeromq::RouterSocket = bind(&info, info.stdin_port).await?;
    let mut iopub_socket: zeromq::PubSocket = bind(&info, info.iopub_port).await?;
    let mut heartbeat: zeromq::RepSocket = bind(&info, info.hb_port).await?;

    let (iopub, mut iopub_queue) = mpsc::unbounded_channel::<Message>();
    let iopub_signer = signer.clone();
    tokio::spawn(async move {
        while let Some(message) = iopub_queue.recv().await {
            if let Err(e) = iopub_socket
                .send(to_zmq(message.encode(&iopub_signer)))
                .await
            {
                eprintln!("mapping-kernel: iopub send failed: {e}");
            }
        }
    });
    tokio::spawn(async move {
        while let Ok(ping) = heartbeat.recv().await {
            if heartbeat.send(ping).await.is_err() {
                break;
            }
        }
    });
    // Input requests are not supported (`allow_stdin` is ignored); the socket is bound because
    // clients connect to it.
    tokio::spawn(async move { while stdin.recv().await.is_ok() {} });

    let child: Arc<Mutex<Option<Arc<Mutex<Child>>>>> = Arc::default();
    let (jobs, job_queue) = std::sync::mpsc::channel::<Job>();
    {
        let (iopub, session, child) = (iopub.clone(), session.clone(), child.clone());
        std::thread::spawn(move || evaluator(job_queue, iopub, session, child, started, on_ready));
    }

    let control_state = (signer.clone(), session.clone(), iopub.clone(), child);
    tokio::spawn(async move {
        let (signer, session, iopub, child) = control_state;
        loop {
            let Some(request) = receive(&mut control, &signer, "control").await else {
                continue;
            };
            busy(&iopub, &session, &request, "busy");
            let msg_type = request.msg_type().to_string();
            let (reply_type, content, shutdown) = match msg_type.as_str() {
                "kernel_info_request" => ("kernel_info_reply", kernel_info(), false),
                "shutdown_request" => {
                    let restart = request.content["restart"].as_bool().unwrap_or(false);
                    (
                        "shutdown_reply",
                        json!({"status": "ok", "restart": restart}),
                        true,
                    )
                }
                "interrupt_request" => {
                    // evcxr has no way to stop a running cell but to end its process; the next
                    // cell starts a new one (variables are lost, as the error says).
                    if let Some(child) = child.lock().unwrap().as_ref() {
                        let _ = child.lock().unwrap().kill();
                    }
                    ("interrupt_reply", json!({"status": "ok"}), false)
                }
                other => {
                    eprintln!("mapping-kernel: unhandled control message {other}");
                    busy(&iopub, &session, &request, "idle");
                    continue;
                }
            };
            let reply = request.child(&session, reply_type, content);
            let _ = control.send(to_zmq(reply.encode(&signer))).await;
            busy(&iopub, &session, &request, "idle");
            if shutdown {
                if let Some(child) = child.lock().unwrap().as_ref() {
                    let _ = child.lock().unwrap().kill();
                }
                // Let iopub deliver the last status.
                tokio::time::sleep(Duration::from_millis(100)).await;
                std::process::exit(0);
            }
        }
    });

    let mut execution_count = 0u64;
    loop {
        let Some(request) = receive(&mut shell, &signer, "shell").await else {
            continue;
        };
        busy(&iopub, &session, &request, "busy");
        let reply = match request.msg_type() {
            "kernel_info_request" => Some(("kernel_info_reply", kernel_info())),
            "execute_request" => {
                let silent = request.content["silent"].as_bool().unwrap_or(false);
                if !silent {
                    execution_count += 1;
                }
                let code = request.content["code"].as_str().unwrap_or("").to_string();
                iopub
                    .send(request.child(
                        &session,
                        "execute_input",
                        json!({"code": code, "execution_count": execution_count}),
                    ))
                    .ok();
                let (done, outcome) = oneshot::channel();
                let job = Job::Execute {
                    request: request.clone(),
                    execution_count,
                    done,
                };
                let outcome = match jobs.send(job) {
                    Ok(()) => outcome.await.unwrap_or_else(|_| Err(evaluator_gone())),
                    Err(_) => Err(evaluator_gone()),
                };
                Some((
                    "execute_reply",
                    match outcome {
                        Ok(()) => json!({"status": "ok", "execution_count": execution_count,
                                         "user_expressions": {}, "payload": []}),
                        Err(e) => json!({"status": "error", "execution_count": execution_count,
                                         "ename": e.ename, "evalue": e.evalue,
                                         "traceback": e.traceback}),
                    },
                ))
            }
            "complete_request" => {
                let code = request.content["code"].as_str().unwrap_or("").to_string();
                let cursor = request.content["cursor_pos"].as_u64().unwrap_or(0) as usize;
                let (done, result) = oneshot::channel();
                let _ = jobs.send(Job::Complete { code, cursor, done });
                Some((
                    "complete_reply",
                    result.await.unwrap_or_else(|_| no_completions(cursor)),
                ))
            }
            "is_complete_request" => Some(("is_complete_reply", json!({"status": "complete"}))),
            "inspect_request" => Some((
                "inspect_reply",
                json!({"status": "ok", "found": false, "data": {}, "metadata": {}}),
            )),
            "history_request" => Some(("history_reply", json!({"status": "ok", "history": []}))),
            "comm_info_request" => Some(("comm_info_reply", json!({"status": "ok", "comms": {}}))),
            other => {
                eprintln!("mapping-kernel: unhandled shell message {other}");
                None
            }
        };
        if let Some((reply_type, content)) = reply {
            let reply = request.child(&session, reply_type, content);
            if let Err(e) = shell.send(to_zmq(reply.encode(&signer))).await {
                eprintln!("mapping-kernel: shell send failed: {e}");
            }
        }
        busy(&iopub, &session, &request, "idle");
    }
}

/// The next message that passes verification; rejected ones are logged and dropped.
async fn receive<S: SocketRecv>(socket: &mut S, signer: &Signer, channel: &str) -> Option<Message> {
    let frames = match socket.recv().await {
        Ok(frames) => frames.into_vec(),
        Err(e) => {
            eprintln!("mapping-kernel: {channel} receive failed: {e}");
            tokio::time::sleep(Duration::from_millis(10)).await;
            return None;
        }
    };
    match Message::decode(frames, signer) {
        Ok(message) => Some(message),
        Err(e) => {
            eprintln!("mapping-kernel: rejected a message on {channel}: {e}");
            None
        }
    }
}

fn to_zmq(frames: Vec<Bytes>) -> ZmqMessage {
    ZmqMessage::try_from(frames).expect("a Jupyter message has frames")
}

fn busy(iopub: &Iopub, session: &str, parent: &Message, state: &str) {
    let mut status = parent.child(session, "status", json!({"execution_state": state}));
    status.identities = vec![Bytes::from_static(b"status")];
    let _ = iopub.send(status);
}

fn evaluator_gone() -> CellError {
    CellError {
        ename: "KernelError".into(),
        evalue: "the evaluator thread stopped".into(),
        traceback: vec!["the evaluator thread stopped; restart the kernel".into()],
    }
}

fn no_completions(cursor: usize) -> Value {
    json!({"status": "ok", "matches": [], "cursor_start": cursor, "cursor_end": cursor, "metadata": {}})
}

fn kernel_info() -> Value {
    json!({
        "status": "ok",
        "protocol_version": PROTOCOL_VERSION,
        "implementation": "mapping-kernel",
        "implementation_version": env!("CARGO_PKG_VERSION"),
        "language_info": {
            "name": "Rust",
            "version": "",
            "mimetype": "text/rust",
            "file_extension": ".rs",
            "pygments_lexer": "rust",
            "codemirror_mode": "rust",
        },
        "banner": "Rust · mapping — evcxr with the mapping prelude",
        "help_links": [{"text": "mapping course", "url": "https://example.invalid/everything-is-a-mapping"}],
    })
}

/// An iopub message caused by `parent` (routed by topic, not identity).
fn publish(iopub: &Iopub, session: &str, parent: &Message, msg_type: &str, content: Value) {
    let mut message = parent.child(session, msg_type, content);
    message.identities = vec![Bytes::from(msg_type.to_string())];
    let _ = iopub.send(message);
}

/// Owns the evcxr context: starts it (compiling the prelude), then runs jobs in order.
fn evaluator(
    jobs: std::sync::mpsc::Receiver<Job>,
    iopub: Iopub,
    session: String,
    child_slot: Arc<Mutex<Option<Arc<Mutex<Child>>>>>,
    ready: Option<Started>,
    on_ready: OnReady,
) {
    let started = std::time::Instant::now();
    let context = match ready {
        Some(ready) => Ok(ready),
        None => cells::start(true),
    };
    let mut context = match context {
        Ok((context, outputs)) => {
            eprintln!(
                "mapping-kernel: prelude ready in {:.1}s",
                started.elapsed().as_secs_f64()
            );
            on_ready();
            *child_slot.lock().unwrap() = Some(context.process_handle());
            Ok((
                context,
                Forwarder::spawn(
                    outputs.stdout,
                    outputs.stderr,
                    iopub.clone(),
                    session.clone(),
                ),
            ))
        }
        Err(e) => {
            eprintln!("mapping-kernel: evcxr did not start: {e}");
            let message = e.to_string();
            let hint = crate::sysroot::hint(&message)
                .or_else(|| crate::features::hint(&message))
                .unwrap_or_default();
            let traceback = format!("the kernel could not load its prelude:\n{message}\n{hint}")
                .trim_end()
                .lines()
                .map(str::to_string)
                .collect();
            Err(CellError {
                ename: "KernelStartError".into(),
                evalue: message,
                traceback,
            })
        }
    };
    for job in jobs {
        match job {
            Job::Execute {
                request,
                execution_count,
                done,
            } => {
                let outcome = match &mut context {
                    Err(e) => Err(e.clone()),
                    Ok((context, forwarder)) => {
                        let code = request.content["code"].as_str().unwrap_or("");
                        forwarder.begin(&request);
                        let result = cells::run(context, code);
                        let panic = forwarder.finish();
                        *child_slot.lock().unwrap() = Some(context.process_handle());
                        match (result, panic) {
                            (_, Some(panic)) => Err(panic),
                            (Ok(data), None) => {
                                if !data.is_empty() {
                                    publish(
                                        &iopub,
                                        &session,
                                        &request,
                                        "execute_result",
                                        json!({
                                        "execution_count": execution_count,
                                        "data": data, "metadata": {}}),
                                    );
                                }
                                Ok(())
                            }
                            (Err(e), None) => Err(e),
                        }
                    }
                };
                if let Err(e) = &outcome {
                    publish(
                        &iopub,
                        &session,
                        &request,
                        "error",
                        json!({
                        "ename": e.ename, "evalue": e.evalue, "traceback": e.traceback}),
                    );
                }
                let _ = done.send(outcome);
            }
            Job::Complete { code, cursor, done } => {
                let reply = match &mut context {
                    Ok((context, _)) => complete(context, &code, cursor),
                    Err(_) => no_completions(cursor),
                };
                let _ = done.send(reply);
            }
        }
    }
}

/// Jupyter counts the cursor in characters, evcxr in bytes.
fn complete(context: &mut evcxr::CommandContext, code: &str, cursor: usize) -> Value {
    let byte = code
        .char_indices()
        .nth(cursor)
        .map_or(code.len(), |(i, _)| i);
    let chars = |b: usize| code[..b.min(code.len())].chars().count();
    match context.completions(code, byte) {
        Ok(c) => json!({
            "status": "ok",
            "matches": c.completions.iter().map(|c| c.code.clone()).collect::<Vec<_>>(),
            "cursor_start": chars(c.start_offset),
            "cursor_end": chars(c.end_offset),
            "metadata": {},
        }),
        Err(_) => no_completions(cursor),
    }
}

/// Forwards the cell's stdout and stderr to iopub as they are printed, and notices panics.
struct Forwarder {
    state: Arc<Mutex<ForwardState>>,
    flush: crossbeam_channel::Sender<crossbeam_channel::Sender<()>>,
}

#[derive(Default)]
struct ForwardState {
    parent: Option<Message>,
    panic: Option<Vec<String>>,
}

impl Forwarder {
    fn spawn(
        stdout: Receiver<String>,
        stderr: Receiver<String>,
        iopub: Iopub,
        session: String,
    ) -> Self {
        let state = Arc::new(Mutex::new(ForwardState::default()));
        let (flush, flushes) = crossbeam_channel::unbounded::<crossbeam_channel::Sender<()>>();
        let shared = state.clone();
        std::thread::spawn(move || {
            let forward_stdout = |line: String| forward_stdout(&shared, &iopub, &session, line);
            let forward_stderr = |line: String| forward_stderr(&shared, &iopub, &session, line);
            loop {
                select! {
                    recv(stdout) -> line => match line {
                        Ok(line) => forward_stdout(line),
                        Err(_) => break,
                    },
                    recv(stderr) -> line => match line {
                        Ok(line) => forward_stderr(line),
                        Err(_) => break,
                    },
                    recv(flushes) -> ack => {
                        // stderr is read by its own thread in evcxr and may trail stdout.
                        for _ in 0..2 {
                            while let Ok(line) = stdout.try_recv() { forward_stdout(line) }
                            while let Ok(line) = stderr.try_recv() { forward_stderr(line) }
                            std::thread::sleep(Duration::from_millis(20));
                        }
                        if let Ok(ack) = ack { let _ = ack.send(()); }
                    },
                }
            }
        });
        Self { state, flush }
    }

    fn begin(&self, request: &Message) {
        let mut state = self.state.lock().unwrap();
        state.parent = Some(request.clone());
        state.panic = None;
    }

    /// Waits until everything the cell printed is forwarded; returns its panic, if any.
    fn finish(&self) -> Option<CellError> {
        let (ack, acked) = crossbeam_channel::bounded(1);
        if self.flush.send(ack).is_ok() {
            let _ = acked.recv_timeout(Duration::from_secs(5));
        }
        let mut state = self.state.lock().unwrap();
        state.parent = None;
        state.panic.take().map(|lines| CellError {
            ename: "panic".into(),
            evalue: lines.get(1).cloned().unwrap_or_else(|| lines[0].clone()),
            traceback: lines,
        })
    }
}

fn forward_stdout(state: &Mutex<ForwardState>, iopub: &Iopub, session: &str, line: String) {
    let Some(parent) = state.lock().unwrap().parent.clone() else {
        eprintln!("{line}");
        return;
    };
    match cells::classify_stdout(line) {
        StdoutLine::Text(text) => stream(iopub, session, &parent, "stdout", text),
        StdoutLine::Display(display) => {
            let transient = display
                .display_id
                .map(|id| json!({"display_id": id}))
                .unwrap_or_else(|| json!({}));
            let msg_type = if display.update {
                "update_display_data"
            } else {
                "display_data"
            };
            let data: BTreeMap<String, String> = display.data;
            publish(
                iopub,
                session,
                &parent,
                msg_type,
                json!({"data": data, "metadata": {}, "transient": transient}),
            );
        }
    }
}

fn forward_stderr(state: &Mutex<ForwardState>, iopub: &Iopub, session: &str, line: String) {
    let parent = {
        let mut state = state.lock().unwrap();
        if cells::starts_panic(&line) {
            state.panic = Some(vec![line.clone()]);
        } else if let Some(panic) = state.panic.as_mut() {
            if panic.len() < 40 {
                panic.push(line.clone());
            }
        }
        state.parent.clone()
    };
    match parent {
        Some(parent) => stream(iopub, session, &parent, "stderr", line),
        None => eprintln!("{line}"),
    }
}

fn stream(iopub: &Iopub, session: &str, parent: &Message, name: &str, mut text: String) {
    text.push('\n');
    publish(
        iopub,
        session,
        parent,
        "stream",
        json!({"name": name, "text": text}),
    );
}
