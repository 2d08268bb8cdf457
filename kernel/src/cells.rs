//! Running a cell on evcxr: the id-fence hook, the evaluation context, and what comes out.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use evcxr::{CommandContext, CompilationError, EvalContext, EvalContextOutputs};
use mapping::notebook::{DISPLAY_LINE_PREFIX, KERNEL_DISPLAY_ENV};
use serde::Deserialize;

/// The notebook variable holding the [`mapping::notebook::CellIdFence`] (defined by the prelude).
pub const FENCE: &str = "__mapping_ids";

/// glibc settings for the process that runs the cells (which allocate through glibc's malloc).
/// By default glibc hands large freed blocks back to the OS and faults them in again, a page
/// at a time, on the next training step. Keeping them (the mmap threshold at its 32 MiB
/// maximum, no trimming, huge pages where the OS allows) took a seed-CNN training step in a
/// cell from 310 to 440 images/s (README.md, "Training speed"). A `GLIBC_TUNABLES` the user
/// set wins.
const MALLOC_TUNABLES: &str = "glibc.malloc.mmap_threshold=33554432:\
glibc.malloc.trim_threshold=4294967296:glibc.malloc.hugetlb=1";

/// Starts evcxr (a child process that loads each compiled cell), then loads `init.evcxr` and
/// `prelude.rs` from `EVCXR_CONFIG_DIR`. `rich_display` tells the library to send displays as
/// lines the kernel turns into Jupyter `display_data`.
pub fn start(rich_display: bool) -> Result<(CommandContext, EvalContextOutputs), evcxr::Error> {
    let mut child = std::process::Command::new(std::env::current_exe()?);
    // Cells link std dynamically and find it through a RUNPATH relative to the build folder;
    // under the home folder (beside ~/.rustup) that relative path comes out wrong and dlopen
    // fails. Point the loader at the toolchain's libraries directly.
    if let Some(libs) = toolchain_libs() {
        let mut paths = vec![libs];
        if let Some(old) = std::env::var_os("LD_LIBRARY_PATH") {
            paths.extend(std::env::split_paths(&old));
        }
        if let Ok(joined) = std::env::join_paths(paths) {
            child.env("LD_LIBRARY_PATH", joined);
        }
    }
    if rich_display {
        child.env(KERNEL_DISPLAY_ENV, "1");
    }
    if std::env::var_os("GLIBC_TUNABLES").is_none() {
        child.env("GLIBC_TUNABLES", MALLOC_TUNABLES);
    }
    let (eval_context, outputs) = EvalContext::with_subprocess_command(child)?;
    let mut context = CommandContext::with_eval_context(eval_context);
    context.execute(":load_config --quiet")?;
    // evcxr catches a panic in the prelude and goes on without the prelude's variables; the
    // first cell would then fail with the prelude's panic as if it were its own (seen with a
    // GPU kernel on a machine without a GPU). The fence is the prelude's last variable.
    if !context.variables_and_types().any(|(name, _)| name == FENCE) {
        let printed = lines_printed_by_now(&outputs.stderr);
        let why = panic_message(&printed).map_or_else(String::new, |m| format!(":\n{m}"));
        return Err(evcxr::Error::Message(format!(
            "the prelude did not run to its end{why}"
        )));
    }
    Ok((context, outputs))
}

/// Lines already printed, and those that follow within half a second of each other (evcxr
/// reads stderr on its own thread, so they may trail), for at most 3 s.
fn lines_printed_by_now(lines: &crossbeam_channel::Receiver<String>) -> Vec<String> {
    let until = Instant::now() + Duration::from_secs(3);
    let mut out = Vec::new();
    while let Ok(line) = lines.recv_timeout(Duration::from_millis(500)) {
        out.push(line);
        if Instant::now() > until {
            break;
        }
    }
    out
}

/// std's panic message among `stderr` lines: from `thread '...' panicked at` up to the
/// backtrace.
fn panic_message(stderr: &[String]) -> Option<String> {
    let start = stderr.iter().position(|line| starts_panic(line))?;
    let message: Vec<&str> = stderr[start..]
        .iter()
        .map(String::as_str)
        .take_while(|line| *line != "stack backtrace:" && !line.starts_with("note: run with"))
        .collect();
    Some(message.join("\n"))
}

/// The target library folder of the rustc that compiles the cells (holds `libstd-*.so`).
fn toolchain_libs() -> Option<std::path::PathBuf> {
    let out = std::process::Command::new("rustc")
        .args(["--print", "target-libdir"])
        .output()
        .ok()?;
    let dir = String::from_utf8(out.stdout).ok()?;
    Some(std::path::PathBuf::from(dir.trim()))
}

/// The code evcxr runs for a cell: the fence call goes first, after any leading `:commands`
/// (which are not Rust). Returns the code and how many lines were added before the user's.
pub fn with_fence(code: &str, fence_defined: bool) -> (String, usize) {
    let lines: Vec<&str> = code.lines().collect();
    let commands = lines
        .iter()
        .take_while(|l| l.trim().is_empty() || l.trim_start().starts_with(':'))
        .count();
    if commands == lines.len() {
        return (code.to_string(), 0);
    }
    let mut hook = String::new();
    if !fence_defined {
        // Lost with the child process (after a crash) or never loaded: start a fresh fence.
        hook.push_str(&format!(
            "let mut {FENCE} = mapping::notebook::CellIdFence::new();\n"
        ));
    }
    hook.push_str(&format!("{FENCE}.enter_cell();\n"));
    let added = hook.lines().count();
    let mut out = lines[..commands].join("\n");
    if commands > 0 {
        out.push('\n');
    }
    out.push_str(&hook);
    out.push_str(&lines[commands..].join("\n"));
    (out, added)
}

/// Runs one cell with the fence.
pub fn run(
    context: &mut CommandContext,
    code: &str,
) -> Result<BTreeMap<String, String>, CellError> {
    let fence_defined = context.variables_and_types().any(|(name, _)| name == FENCE);
    let (hooked, added) = with_fence(code, fence_defined);
    match context.execute(&hooked) {
        Ok(outputs) => {
            let mut data: BTreeMap<String, String> =
                outputs.content_by_mime_type.into_iter().collect();
            // A cell ending in a block or a statement-like call evaluates to `()`: nothing to show.
            if data.len() == 1 && data.get("text/plain").is_some_and(|t| t == "()") {
                data.clear();
            }
            Ok(data)
        }
        Err(evcxr::Error::CompilationErrors(errors)) => Err(CellError {
            ename: "CompilationError".into(),
            evalue: errors
                .first()
                .map(|e| e.message())
                .unwrap_or_else(|| "compilation failed".into()),
            traceback: render_errors(&errors, code, added),
        }),
        Err(e) => Err(CellError {
            ename: "EvcxrError".into(),
            evalue: e.to_string(),
            traceback: e.to_string().lines().map(str::to_string).collect(),
        }),
    }
}

/// A failed cell, as Jupyter's `error` message wants it.
#[derive(Clone, Debug, PartialEq)]
pub struct CellError {
    pub ename: String,
    pub evalue: String,
    pub traceback: Vec<String>,
}

/// Compiler errors with the user's lines they point at (line numbers of the user's cell).
fn render_errors(errors: &[CompilationError], code: &str, added: usize) -> Vec<String> {
    let source: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    for error in errors {
        let code = error.code().map(|c| format!("[{c}]")).unwrap_or_default();
        out.push(format!("{}{code}: {}", error.level(), error.message()));
        for spanned in error.spanned_messages() {
            let Some(span) = &spanned.span else { continue };
            let Some(line) = span.start_line.checked_sub(added).filter(|l| *l >= 1) else {
                continue;
            };
            if let Some(text) = source.get(line - 1) {
                out.push(format!("  --> cell line {line}"));
                out.push(format!("   | {text}"));
                let pad = " ".repeat(span.start_column.saturating_sub(1));
                let width = if span.end_line == span.start_line {
                    span.end_column.saturating_sub(span.start_column).max(1)
                } else {
                    1
                };
                out.push(format!("   | {pad}{} {}", "^".repeat(width), spanned.label));
            }
        }
        for help in error.help() {
            out.push(format!("   = help: {help}"));
        }
    }
    out
}

/// What a line of the cell's stdout is.
#[derive(Debug, PartialEq)]
pub enum StdoutLine {
    Text(String),
    Display(Display),
}

/// A display sent by `mapping::notebook::display`.
#[derive(Debug, PartialEq, Deserialize)]
pub struct Display {
    pub data: BTreeMap<String, String>,
    pub display_id: Option<String>,
    pub update: bool,
}

pub fn classify_stdout(line: String) -> StdoutLine {
    match line
        .strip_prefix(DISPLAY_LINE_PREFIX)
        .and_then(|json| serde_json::from_str(json).ok())
    {
        Some(display) => StdoutLine::Display(display),
        None => StdoutLine::Text(line),
    }
}

/// Whether a stderr line starts std's panic message: `thread 'x' panicked at file:line:col:`,
/// or since Rust 1.95 `thread 'x' (12345) panicked at ...`.
pub fn starts_panic(line: &str) -> bool {
    line.starts_with("thread '") && line.contains(" panicked at ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_reads_the_malloc_tunables_as_meant() {
        // The dynamic loader lists the tunables as glibc parsed them from the environment.
        let loader = "/lib64/ld-linux-x86-64.so.2";
        if !std::path::Path::new(loader).exists() {
            eprintln!("SKIP: no glibc loader at {loader} (not x86-64 glibc Linux)");
            return;
        }
        let out = std::process::Command::new(loader)
            .arg("--list-tunables")
            .env("GLIBC_TUNABLES", MALLOC_TUNABLES)
            .output()
            .expect("the loader runs");
        let listed = String::from_utf8_lossy(&out.stdout);
        for expected in [
            "glibc.malloc.mmap_threshold: 0x2000000 ",
            "glibc.malloc.trim_threshold: 0x100000000 ",
            "glibc.malloc.hugetlb: 0x1 ",
        ] {
            assert!(listed.contains(expected), "{expected:?} not in:\n{listed}");
        }
    }

    #[test]
    fn the_prelude_binds_the_fence_last() {
        // `start` takes a missing fence for a prelude that stopped early: a binding added after
        // it would go unchecked.
        let last = crate::spec::PRELUDE
            .lines()
            .rfind(|line| line.starts_with("let "))
            .unwrap();
        assert_eq!(
            last,
            format!("let mut {FENCE} = mapping::notebook::CellIdFence::new();")
        );
    }

    #[test]
    fn fence_goes_after_leading_commands() {
        let (code, added) = with_fence(":dep rand = \"0.8\"\nlet x = 1;\nx", true);
        assert_eq!(
            code,
            ":dep rand = \"0.8\"\n__mapping_ids.enter_cell();\nlet x = 1;\nx"
        );
        assert_eq!(added, 1);
        let (code, added) = with_fence("let y = 2;", false);
        assert!(code.starts_with("let mut __mapping_ids = mapping::notebook::CellIdFence::new();\n__mapping_ids.enter_cell();\nlet y"));
        assert_eq!(added, 2);
        // Commands only: nothing to fence.
        assert_eq!(with_fence(":vars", true), (":vars".to_string(), 0));
    }

    #[test]
    fn display_lines_are_recognised_and_others_are_text() {
        let line = format!(
            "{DISPLAY_LINE_PREFIX}{}",
            r#"{"data":{"text/html":"<b>hi</b>"},"display_id":"d1","update":true}"#
        );
        match classify_stdout(line) {
            StdoutLine::Display(d) => {
                assert_eq!(d.data["text/html"], "<b>hi</b>");
                assert_eq!(d.display_id.as_deref(), Some("d1"));
                assert!(d.update);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            classify_stdout("epoch 1/3 - loss 2.1".into()),
            StdoutLine::Text("epoch 1/3 - loss 2.1".into())
        );
        // A broken display line is shown as text rather than lost.
        let broken = format!("{DISPLAY_LINE_PREFIX}{{not json");
        assert_eq!(classify_stdout(broken.clone()), StdoutLine::Text(broken));
    }

    #[test]
    fn panic_lines() {
        assert!(starts_panic(
            "thread '<unnamed>' panicked at src/lib.rs:3:5:"
        ));
        assert!(starts_panic(
            "thread '<unnamed>' (27309) panicked at src/lib.rs:117:1:"
        ));
        assert!(!starts_panic("the model panicked at nothing"));
    }

    #[test]
    fn the_panic_message_is_cut_from_stderr_before_its_backtrace() {
        let stderr: Vec<String> = [
            "warning: something earlier",
            "thread '<unnamed>' (24666) panicked at cudarc-0.9.15/src/driver/safe/core.rs:51:24:",
            "called `Result::unwrap()` on an `Err` value: DriverError(CUDA_ERROR_NO_DEVICE, \"x\")",
            "stack backtrace:",
            "   0: __rustc::rust_begin_unwind",
        ]
        .map(String::from)
        .to_vec();
        let message = panic_message(&stderr).unwrap();
        assert!(
            message.starts_with("thread '<unnamed>' (24666) panicked at"),
            "{message}"
        );
        assert!(
            message.ends_with("CUDA_ERROR_NO_DEVICE, \"x\")"),
            "{message}"
        );
        let without_backtrace = [
            "thread 'main' panicked at a.rs:1:1:",
            "boom",
            "note: run with `RUST_BACKTRACE=1`",
        ];
        let message = panic_message(&without_backtrace.map(String::from)).unwrap();
        assert_eq!(message, "thread 'main' panicked at a.rs:1:1:\nboom");
        assert_eq!(panic_message(&stderr[..1]), None);
    }
}
