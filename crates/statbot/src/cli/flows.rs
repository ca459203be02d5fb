//! `statbot flows check FILE...`: validates flow files and their referenced files, printing a
//! summary of each good one and every problem of each bad one. The Page's `page.toml` that
//! may sit among them is skipped (`statbot messenger setup --dry-run` checks it).

use super::CliError;
use crate::channels::messenger::page_profile::PAGE_FILE;
use crate::engine::flows::check_file;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum FlowsCommand {
    /// Check flow files; exits non-zero if any has a problem.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

pub fn run(cmd: FlowsCommand) -> Result<(), CliError> {
    let FlowsCommand::Check { files } = cmd;
    let mut bad = 0;
    for file in &files {
        if file.file_name().is_some_and(|name| name == PAGE_FILE) {
            crate::cli::outln!(
                "{}: the Page's set-up, not a flow — check it with `statbot messenger setup --dry-run`",
                file.display()
            );
            continue;
        }
        match check_file(file) {
            Ok(flow) => {
                let buttons: usize = flow.steps.values().map(|s| s.choices.buttons().len()).sum();
                crate::cli::outln!(
                    "{}: ok — flow `{}`, {} steps, {} buttons, {} coupons, entry `{}`",
                    file.display(),
                    flow.name,
                    flow.steps.len(),
                    buttons,
                    flow.coupons.len(),
                    flow.entry
                );
            }
            Err(e) => {
                bad += 1;
                eprintln!("{e}");
            }
        }
    }
    match bad {
        0 => Ok(()),
        1 => Err(CliError("1 flow file has problems".into())),
        n => Err(CliError(format!("{n} flow files have problems"))),
    }
}
