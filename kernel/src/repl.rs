//! `mapping-kernel repl`: evcxr's line editor (completion, multi-line input) over the same
//! prelude and the same tensor-id fence as the notebook kernel.

use std::sync::Arc;

use evcxr::CommandContext;
use evcxr_repl::{BgInitMutex, EvcxrRustylineHelper};
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::Editor;

use crate::cells;

pub fn run() -> Result<(), String> {
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
    println!(
        "{} REPL — `mapping::prelude::*` and `dev` are in scope; :help, :quit",
        crate::spec::DISPLAY_NAME
    );
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
