//! A warm spare kernel, so that the next notebook starts in about a second.
//!
//! Most of a kernel's start (about 15 of 17 s on 2 cores) is evcxr's embedded rust-analyzer
//! loading the library's crate graph to learn the types of notebook variables, work that cannot
//! be cached on disk. So each kernel that starts serving also launches a *spare*: a detached
//! `mapping-kernel spare` process that starts evcxr, compiles the prelude, and waits on a Unix
//! socket in the (private) build folder. The next `mapping-kernel run` that Jupyter launches
//! hands its connection file, working directory and environment to the spare, which applies
//! them to its evcxr process and serves that notebook; the launched process stays as a shim
//! that exits when the spare does (and the spare exits if the shim is killed). Without a ready
//! spare, `run` serves the notebook itself as before. `MAPPING_KERNEL_SPARE=0` turns spares
//! off; an unused spare exits after `MAPPING_KERNEL_SPARE_IDLE` seconds (default 1800).

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};

use crate::{build_slot, cells, kernel};

/// Environment variables that belong to the kernel process, not to the notebook.
const OWN_ENV: [&str; 3] = ["EVCXR_CONFIG_DIR", "EVCXR_TMPDIR", "LD_LIBRARY_PATH"];

/// What a launched kernel hands to the spare.
#[derive(Debug, Serialize, Deserialize)]
struct Handover {
    connection_file: PathBuf,
    config_dir: PathBuf,
    cwd: PathBuf,
    env: BTreeMap<String, String>,
    stamp: u64,
}

pub fn enabled() -> bool {
    std::env::var("MAPPING_KERNEL_SPARE").map_or(true, |v| v != "0")
}

fn socket_path(build_base: &Path) -> PathBuf {
    build_base.join(".spare.sock")
}

/// Changes whenever the library, the kernel binary or the config change: a spare started
/// before such a change is not used.
pub fn stamp(config_dir: &Path) -> u64 {
    let mut newest = SystemTime::UNIX_EPOCH;
    let mut visit = |path: &Path| {
        if let Ok(modified) = std::fs::metadata(path).and_then(|m| m.modified()) {
            newest = newest.max(modified);
        }
    };
    let library = crate::spec::default_library_dir();
    for file in ["Cargo.toml", "build.rs"] {
        visit(&library.join(file));
    }
    let mut dirs = vec![library.join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                visit(&path);
            }
        }
    }
    for file in ["init.evcxr", "prelude.rs"] {
        visit(&config_dir.join(file));
    }
    if let Ok(exe) = std::env::current_exe() {
        visit(&exe);
    }
    newest
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// Hands this kernel to a waiting spare. Returns true when a spare served it (and has now
/// finished), false when there is none to take it.
pub fn hand_over(build_base: &Path, config_dir: &Path, connection_file: &Path) -> bool {
    let Ok(stream) = UnixStream::connect(socket_path(build_base)) else {
        return false;
    };
    let handover = Handover {
        connection_file: std::path::absolute(connection_file)
            .unwrap_or_else(|_| connection_file.to_path_buf()),
        config_dir: config_dir.to_path_buf(),
        cwd: std::env::current_dir().unwrap_or_default(),
        env: std::env::vars().collect(),
        stamp: stamp(config_dir),
    };
    let Ok(line) = serde_json::to_string(&handover) else {
        return false;
    };
    let mut writer = &stream;
    if writeln!(writer, "{line}").is_err() {
        return false;
    }
    // A spare moves to the notebook in a second or two; one taken by another kernel at the
    // same moment never answers.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(&stream);
    let mut reply = String::new();
    if reader.read_line(&mut reply).is_err() || reply.trim() != "serving" {
        return false;
    }
    let _ = stream.set_read_timeout(None);
    eprintln!("mapping-kernel: a warm spare kernel serves this notebook");
    // The spare closes the stream when its kernel shuts down.
    let _ = reader.read_to_end(&mut Vec::new());
    true
}

/// Launches a spare for the next kernel start (it exits at once if one already waits).
pub fn launch(config_dir: &Path, build_base: &Path) {
    if !enabled() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(build_base.join(".spare.log"));
    let mut command = std::process::Command::new(exe);
    command
        .arg("spare")
        .arg("--config-dir")
        .arg(config_dir)
        .arg("--build-dir")
        .arg(build_base)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        // Its own process group: signals Jupyter sends to a kernel's group do not reach it.
        .process_group(0);
    if let Ok(log) = log {
        command.stderr(log);
    }
    let _ = command.spawn();
}

/// The spare's life: warm up, wait for a kernel to take over, serve it.
pub fn serve(config_dir: &Path, build_base: &Path) -> Result<(), String> {
    crate::spec::private_dir(build_base)?;
    // One spare per build folder at a time, warming or waiting.
    let Some(_spare_lock) = build_slot::try_lock(&build_base.join(".spare.lock"))? else {
        return Ok(());
    };
    let slot = build_slot::claim(build_base)?;
    crate::use_folders(config_dir, &slot.dir);
    let own_env: BTreeMap<String, String> = std::env::vars().collect();
    let stamp = stamp(config_dir);
    let started = Instant::now();
    let (mut context, outputs) =
        cells::start(true).map_err(|e| format!("evcxr did not start: {e}"))?;
    eprintln!(
        "mapping-kernel spare: prelude ready in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    let path = socket_path(build_base);
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let stream = wait_for_kernel(&listener, idle_limit());
    // Whoever else connected meanwhile gets EOF and starts its own kernel.
    drop(listener);
    let _ = std::fs::remove_file(&path);
    let Some(stream) = stream else {
        return Ok(());
    };
    stream
        .set_nonblocking(false)
        .map_err(|e| format!("spare socket: {e}"))?;
    let mut line = String::new();
    BufReader::new(&stream)
        .read_line(&mut line)
        .map_err(|e| format!("spare socket: {e}"))?;
    let handover: Handover =
        serde_json::from_str(&line).map_err(|e| format!("bad handover: {e}"))?;
    if handover.stamp != stamp || handover.config_dir != config_dir {
        // Built from an older library or for another kernel: let the caller start afresh.
        let _ = (&stream).write_all(b"stale\n");
        return Ok(());
    }
    std::env::set_current_dir(&handover.cwd)
        .map_err(|e| format!("{}: {e}", handover.cwd.display()))?;
    context
        .execute(&adopt_code(&handover.cwd, &own_env, &handover.env))
        .map_err(|e| format!("could not move the spare to the notebook: {e}"))?;
    (&stream)
        .write_all(b"serving\n")
        .map_err(|e| format!("spare socket: {e}"))?;
    // If Jupyter kills the launched process, the stream closes: stop serving.
    let watched = stream.try_clone().map_err(|e| e.to_string())?;
    std::thread::spawn(move || {
        let _ = (&watched).read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    drop(_spare_lock);
    let (config_dir, build_base) = (config_dir.to_path_buf(), build_base.to_path_buf());
    let launch_next = Box::new(move || launch(&config_dir, &build_base));
    kernel::run(
        &handover.connection_file,
        Some((context, outputs)),
        launch_next,
    )
}

fn idle_limit() -> Duration {
    let seconds = std::env::var("MAPPING_KERNEL_SPARE_IDLE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1800);
    Duration::from_secs(seconds)
}

fn wait_for_kernel(listener: &UnixListener, idle: Duration) -> Option<UnixStream> {
    listener.set_nonblocking(true).ok()?;
    let deadline = Instant::now() + idle;
    while Instant::now() < deadline {
        match listener.accept() {
            Ok((stream, _)) => return Some(stream),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(_) => return None,
        }
    }
    None
}

/// The cell that gives the spare's evcxr process the notebook's working directory and
/// environment (it inherited the launching kernel's).
fn adopt_code(
    cwd: &Path,
    own: &BTreeMap<String, String>,
    wanted: &BTreeMap<String, String>,
) -> String {
    let mut code = format!(
        "{{ let _ = std::env::set_current_dir({:?});\n",
        cwd.display().to_string()
    );
    code.push_str("#[allow(unused_unsafe)] unsafe {\n");
    // Tells the notebook (and the protocol test) that a spare serves it.
    code.push_str("std::env::set_var(\"MAPPING_KERNEL_SPARE_SERVED\", \"1\");\n");
    let ours = |key: &str| OWN_ENV.contains(&key) || key == mapping::notebook::KERNEL_DISPLAY_ENV;
    for (key, value) in wanted {
        if !ours(key) && own.get(key) != Some(value) {
            code.push_str(&format!("std::env::set_var({key:?}, {value:?});\n"));
        }
    }
    for key in own.keys() {
        if !ours(key) && !wanted.contains_key(key) {
            code.push_str(&format!("std::env::remove_var({key:?});\n"));
        }
    }
    code.push_str("} }");
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_adopt_cell_sets_what_differs_and_keeps_the_kernels_own_variables() {
        let own: BTreeMap<String, String> = [
            ("HOME", "/root"),
            ("OLD", "x"),
            ("EVCXR_TMPDIR", "/b"),
            ("MAPPING_COURSE_DATA", "auto"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .into();
        let wanted: BTreeMap<String, String> = [
            ("HOME", "/root"),
            ("MAPPING_COURSE_DATA", "synthetic \"quoted\""),
            ("NEW", "y"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .into();
        let code = adopt_code(Path::new("/work/notebooks"), &own, &wanted);
        assert!(
            code.contains("set_current_dir(\"/work/notebooks\")"),
            "{code}"
        );
        assert!(
            code.contains(r#"set_var("MAPPING_COURSE_DATA", "synthetic \"quoted\"")"#),
            "{code}"
        );
        assert!(code.contains(r#"set_var("NEW", "y")"#), "{code}");
        assert!(code.contains(r#"remove_var("OLD")"#), "{code}");
        assert!(
            code.contains(r#"set_var("MAPPING_KERNEL_SPARE_SERVED", "1")"#),
            "{code}"
        );
        assert!(!code.contains("HOME"), "{code}");
        assert!(!code.contains("EVCXR_TMPDIR"), "{code}");
    }

    #[test]
    fn without_a_spare_the_kernel_serves_itself() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!hand_over(dir.path(), dir.path(), Path::new("kernel.json")));
    }

    #[test]
    fn one_spare_per_build_folder() {
        let dir = tempfile::tempdir().unwrap();
        let first = build_slot::try_lock(&dir.path().join(".spare.lock")).unwrap();
        assert!(first.is_some());
        assert!(build_slot::try_lock(&dir.path().join(".spare.lock"))
            .unwrap()
            .is_none());
    }
}
