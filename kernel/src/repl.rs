//! `mapping-kernel repl`: evcxr's line editor (completion, multi-line input) over the same
//! prelude and the same tensor-id fence as the notebook kernel.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use evcxr::CommandContext;
use evcxr_repl::{BgInitMutex, EvcxrRustylineHelper};
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::Editor;

use crate::cells;

/// The REPL's evcxr config, beside the build slot it uses and locked with it.
pub fn config_dir(slot: &Path) -> PathBuf {
    let mut name = slot.file_name().unwrap_or_default().to_os_string();
    name.push("-repl-config");
    slot.with_file_name(name)
}

pub fn run(display_name: &str) -> Result<(), String> {
    // The prelude compiles in the background while the first line is typed.
    let context = Arc::new(BgInitMutex::new(
        || -> Result<CommandContext, evcxr::Error> {
            let (context, outputs) = cells::start(false)?;
            print_lines(outputs.stdout, false);
            print_lines(outputs.stderr, true);
            Ok(context)
        },
    ));
    let mut editor: Editor<EvcxrRustylineHelper, DefaultHistory> =
        Editor::new().map_err(|e| format!("cannot open the terminal: {e}"))?;
    editor.set_helper(Some(EvcxrRustylineHelper::new(context.clone())));
    println!("{display_name} REPL — `mapping::prelude::*` and `dev` are in scope; :help, :quit");
    loop {
        let line = match editor.readline(">> ") {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.to_string()),
        };
        if line.trim() == ":quit" {
            break;
        }
        let _ = editor.add_history_entry(line.as_str());
        let mut guard = context.lock();
        let context = match &mut *guard {
            Ok(context) => context,
            Err(e) => return Err(format!("the prelude did not load: {e}")),
        };
        match cells::run(context, &line) {
            Ok(data) => {
                if let Some(text) = data.get("text/plain") {
                    println!("{text}");
                }
            }
            Err(e) => {
                for line in e.traceback {
                    eprintln!("{line}");
                }
            }
        }
    }
    Ok(())
}

fn print_lines(lines: crossbeam_channel::Receiver<String>, to_stderr: bool) {
    std::thread::spawn(move || {
        for line in lines {
            if to_stderr {
                eprintln!("{line}");
            } else {
                println!("{line}");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build_slot::slot_dir;

    #[test]
    fn each_build_slot_has_its_own_config_that_is_not_a_slot() {
        let base = Path::new("/cache/evcxr-build-cuda");
        let slots: Vec<PathBuf> = (1..=3).map(|n| slot_dir(base, n)).collect();
        let configs: Vec<PathBuf> = slots.iter().map(|slot| config_dir(slot)).collect();
        assert_eq!(configs[0], Path::new("/cache/evcxr-build-cuda-repl-config"));
        assert_eq!(
            configs[2],
            Path::new("/cache/evcxr-build-cuda-3-repl-config")
        );
        for (i, config) in configs.iter().enumerate() {
            assert!(!slots.contains(config), "{}", config.display());
            assert_eq!(
                configs.iter().filter(|c| *c == config).count(),
                1,
                "slot {i}"
            );
        }
    }
}
