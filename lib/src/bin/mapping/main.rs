//! `mapping`: the course's command line. Thin: parses arguments, calls the library, prints.

use std::path::PathBuf;
use std::process::ExitCode;

// Activations of tens of MB come and go every step: mimalloc, told in `main` to keep the memory
// it frees (`mapping::alloc`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod counts;
mod device;
mod eval;
mod pipeline;
mod train;
mod zoo;

use clap::{Parser, Subcommand};
use mapping::data::{pack_image_folder, summarize, DatasetSpec, ImageFolder, Split};

#[derive(Parser)]
#[command(
    name = "mapping",
    version,
    about = "Everything is a mapping: datasets, training and evaluation from the command line"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Work with datasets.
    #[command(subcommand)]
    Data(DataCommand),
    /// Train a zoo model (writes checkpoints, history, plots and TensorBoard events to --out).
    Train(train::TrainArgs),
    /// Evaluate a checkpoint: classification report and confusion matrix.
    Eval {
        #[arg(long)]
        checkpoint: PathBuf,
        /// Dataset spec (default: the one the run trained on); its test split is used.
        #[arg(long)]
        data: Option<String>,
        /// Folder for confusion.csv/svg/png (default: the checkpoint's folder).
        #[arg(long)]
        out: Option<PathBuf>,
        /// auto, cpu or cuda (as `train --device`).
        #[arg(long, value_enum, default_value_t)]
        device: device::DeviceChoice,
    },
    /// Classify image files (JPEG or PNG) with a checkpoint.
    Predict {
        #[arg(long)]
        checkpoint: PathBuf,
        #[arg(required = true)]
        images: Vec<PathBuf>,
        /// Classes shown per image.
        #[arg(long, default_value_t = 3, value_parser = counts::at_least_one)]
        top: usize,
        /// auto, cpu or cuda (as `train --device`).
        #[arg(long, value_enum, default_value_t)]
        device: device::DeviceChoice,
    },
}

#[derive(Subcommand)]
enum DataCommand {
    /// Counts per split, classes, image size and label histogram of SPEC
    /// (synthetic, mnist:DIR, fashion-mnist:DIR, cifar10:DIR, cifar100:DIR, folder:DIR, shards:DIR).
    Inspect { spec: DatasetSpec },
    /// Pack an image folder (folder:DIR) into shards in OUT, for fast streaming of large sets.
    Pack {
        spec: DatasetSpec,
        #[arg(long)]
        out: PathBuf,
        /// Images per shard file.
        #[arg(long, default_value_t = 10_000, value_parser = counts::at_least_one)]
        records_per_shard: usize,
    },
}

fn run(cli: Cli) -> mapping::Result<()> {
    match cli.command {
        Command::Train(args) => train::train(args),
        Command::Eval {
            checkpoint,
            data,
            out,
            device,
        } => eval::eval(checkpoint, data, out, device),
        Command::Predict {
            checkpoint,
            images,
            top,
            device,
        } => eval::predict(checkpoint, images, top, device),
        Command::Data(DataCommand::Inspect { spec }) => {
            print!(
                "{}",
                summarize(spec.open(Split::Train)?.as_ref(), Split::Train)?
            );
            match spec.open_test()? {
                Some(test) => print!("{}", summarize(test.as_ref(), Split::Test)?),
                None => println!("Test: none"),
            }
            Ok(())
        }
        Command::Data(DataCommand::Pack {
            spec,
            out,
            records_per_shard,
        }) => {
            let DatasetSpec::Folder(dir) = spec else {
                return Err(mapping::Error::Data {
                    path: out,
                    message: "pack takes an image folder: folder:DIR".into(),
                });
            };
            let splits: Vec<(PathBuf, PathBuf)> = if dir.join("train").is_dir() {
                ["train", "test"]
                    .iter()
                    .filter(|s| dir.join(s).is_dir())
                    .map(|s| (dir.join(s), out.join(s)))
                    .collect()
            } else {
                vec![(dir.clone(), out.clone())]
            };
            for (src, dst) in splits {
                let report = pack_image_folder(&ImageFolder::open(&src)?, &dst, records_per_shard)?;
                println!(
                    "{} -> {}: {} images in {} shard(s), {} bytes",
                    src.display(),
                    dst.display(),
                    report.records,
                    report.shards,
                    report.bytes
                );
            }
            Ok(())
        }
    }
}

/// Lets a closed stdout end the program as it ends `cat` or `ls`: Rust ignores SIGPIPE, so
/// `mapping data inspect ... | head -1` would otherwise panic at its next line of output.
fn die_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called first in `main`, before any thread exists; it sets one signal's action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    die_quietly_on_closed_pipe();
    mapping::alloc::keep_freed_memory();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
