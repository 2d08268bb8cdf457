//! `mapping-kernel`: the course's Jupyter kernel ("Rust · mapping") and REPL. See README.md.

mod build_slot;
mod cells;
mod connection;
mod features;
mod kernel;
mod logo;
mod repl;
mod spare;
mod spec;
mod sysroot;
mod wire;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    version,
    about = "The Rust · mapping Jupyter kernel and REPL: evcxr with the course library preloaded"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install the Jupyter kernel spec "Rust · mapping" (user-only permissions). Its kernels start
    /// with `mapping::prelude::*` and `dev` in scope; the library and its dependencies compile
    /// once per machine into the shared build folder.
    Install {
        #[command(flatten)]
        location: LocationArgs,
        /// Kernel name (the spec's folder)
        #[arg(long, default_value = spec::KERNEL_NAME)]
        name: String,
        /// Where evcxr builds the library and cells (default: the user cache folder)
        #[arg(long)]
        build_dir: Option<PathBuf>,
        /// The `mapping` crate the notebooks use (default: this checkout's lib/)
        #[arg(long)]
        library: Option<PathBuf>,
        #[command(flatten)]
        features: FeatureArgs,
    },
    /// Remove an installed kernel spec (the shared build folder is kept)
    Uninstall {
        #[command(flatten)]
        location: LocationArgs,
        #[arg(long, default_value = spec::KERNEL_NAME)]
        name: String,
    },
    /// Open the evcxr REPL with the course prelude
    Repl {
        /// Where evcxr builds (default: the kernel's shared build folder)
        #[arg(long)]
        build_dir: Option<PathBuf>,
        #[command(flatten)]
        features: FeatureArgs,
    },
    /// Run a kernel (Jupyter calls this, as written in kernel.json)
    Run {
        #[arg(long)]
        connection_file: PathBuf,
        /// Folder with init.evcxr and prelude.rs
        #[arg(long)]
        config_dir: PathBuf,
        #[arg(long)]
        build_dir: PathBuf,
    },
    /// Warm up a spare kernel for the next start and serve it when handed over (launched by
    /// `run`; see spare.rs)
    #[command(hide = true)]
    Spare {
        #[arg(long)]
        config_dir: PathBuf,
        #[arg(long)]
        build_dir: PathBuf,
    },
}

#[derive(Args)]
#[group(multiple = false)]
struct LocationArgs {
    /// In the user's Jupyter data folder (the default)
    #[arg(long)]
    user: bool,
    /// In the active virtual environment ($VIRTUAL_ENV or $CONDA_PREFIX)
    #[arg(long)]
    sys_prefix: bool,
    /// Under PREFIX/share/jupyter/kernels, as `jupyter kernelspec install --prefix`
    #[arg(long, value_name = "PREFIX")]
    prefix: Option<PathBuf>,
}

#[derive(Args)]
struct FeatureArgs {
    /// Features of the library to build it with, comma-separated: `cuda` makes `AutoDevice`
    /// the GPU (needs the CUDA toolkit), with the notebooks unchanged
    #[arg(long, value_delimiter = ',')]
    features: Vec<String>,
}

impl LocationArgs {
    fn location(&self) -> spec::Location {
        match (&self.prefix, self.sys_prefix) {
            (Some(prefix), _) => spec::Location::Prefix(prefix.clone()),
            (None, true) => spec::Location::SysPrefix,
            _ => spec::Location::User,
        }
    }
}

/// A line of progress on stdout. Unlike `println!` it cannot panic: with stdout closed
/// (`mapping-kernel install | head -1`) the work goes on and only the report is lost.
fn say(line: std::fmt::Arguments) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}

/// Points evcxr at the config and build folders (read when its context starts).
pub(crate) fn use_folders(config_dir: &std::path::Path, build_dir: &std::path::Path) {
    std::env::set_var("EVCXR_CONFIG_DIR", config_dir);
    std::env::set_var("EVCXR_TMPDIR", build_dir);
}

fn main() {
    // In evcxr's child process this runs the cell loader and never returns.
    evcxr::runtime_hook();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Install {
            location,
            name,
            build_dir,
            library,
            features: FeatureArgs { features },
        } => (|| {
            let build_dir = match build_dir {
                Some(dir) => dir,
                None => spec::default_build_dir(&features)?,
            };
            let library = library.unwrap_or_else(spec::default_library_dir);
            // A kernel spec is written only once it can build: a failed fetch leaves none.
            features::prepare(&library, &features)?;
            let dir = spec::install(&location.location(), &name, &build_dir, &library, &features)?;
            say(format_args!(
                "installed kernel \"{}\" in {}",
                features::display_name(&features),
                dir.display()
            ));
            say(format_args!("shared build folder: {}", build_dir.display()));
            match sysroot::fetch_library_dependencies() {
                Ok(()) => say(format_args!(
                    "the standard library's dependencies are in cargo's cache"
                )),
                Err(e) => eprintln!(
                    "mapping-kernel: warning: {e}\nWithout them a kernel started with no \
                     network cannot infer types (kernel/README.md, \"Offline\")."
                ),
            }
            Ok(())
        })(),
        Command::Uninstall { location, name } => spec::uninstall(&location.location(), &name)
            .map(|dir| say(format_args!("removed {}", dir.display()))),
        Command::Repl {
            build_dir,
            features: FeatureArgs { features },
        } => (|| {
            let build_dir = match build_dir {
                Some(dir) => dir,
                None => spec::default_build_dir(&features)?,
            };
            let library = spec::default_library_dir();
            features::prepare(&library, &features)?;
            let slot = build_slot::claim(&build_dir)?;
            // One config per slot, held with it: two REPLs started at once (a CPU one and a
            // GPU one) never read each other's.
            let config_dir = repl::config_dir(&slot.dir);
            spec::write_config(&config_dir, &library, &features)?;
            use_folders(&config_dir, &slot.dir);
            repl::run(&features::display_name(&features))
        })(),
        Command::Run {
            connection_file,
            config_dir,
            build_dir,
        } => spec::check_config(&config_dir).and_then(|()| {
            if spare::enabled() && spare::hand_over(&build_dir, &config_dir, &connection_file) {
                return Ok(());
            }
            // Held until the kernel exits: no other kernel builds in this folder meanwhile.
            let slot = build_slot::claim(&build_dir)?;
            if slot.dir != build_dir {
                eprintln!(
                    "mapping-kernel: {} is in use by another kernel; building in {}",
                    build_dir.display(),
                    slot.dir.display()
                );
            }
            use_folders(&config_dir, &slot.dir);
            let launch_spare = Box::new(move || spare::launch(&config_dir, &build_dir));
            kernel::run(&connection_file, None, launch_spare)
        }),
        Command::Spare {
            config_dir,
            build_dir,
        } => spec::check_config(&config_dir).and_then(|()| spare::serve(&config_dir, &build_dir)),
    };
    if let Err(message) = result {
        eprintln!("mapping-kernel: {message}");
        std::process::exit(1);
    }
}
