//! The `statbot` binary as an operator runs it: `statbot(args)` with the settings a test gives
//! (`database`, `env`) and none of the caller's own `STATBOT_*` variables, so a developer's
//! shell (a real Stripe key, a flows directory) never reaches a test. `run` feeds it `stdin`,
//! waits for it to end and keeps what it printed; `command` hands the same command to a test
//! that drives it itself (through a pseudo-terminal, say).

use std::io::Write;
use std::process::{Command, ExitStatus, Stdio};

/// A run of the binary being set up.
pub struct Statbot {
    command: Command,
    stdin: Option<String>,
}

/// What a run printed, and how it ended.
pub struct Ran {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// The binary with these arguments.
pub fn statbot(args: &[&str]) -> Statbot {
    let mut command = Command::new(env!("CARGO_BIN_EXE_statbot"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("STATBOT_") {
            command.env_remove(name);
        }
    }
    Statbot { command, stdin: None }.args(args)
}

impl Statbot {
    /// More arguments, after those given.
    pub fn args(mut self, args: &[&str]) -> Statbot {
        self.command.args(args);
        self
    }

    /// The database to use (`STATBOT_DATABASE_URL`).
    pub fn database(self, url: &str) -> Statbot {
        self.env("STATBOT_DATABASE_URL", url)
    }

    pub fn env(mut self, name: &str, value: impl AsRef<std::ffi::OsStr>) -> Statbot {
        self.command.env(name, value);
        self
    }

    pub fn envs(mut self, vars: &[(&str, &str)]) -> Statbot {
        self.command.envs(vars.iter().copied());
        self
    }

    /// What to type on its standard input (nothing by default: it reads an end of file).
    pub fn stdin(mut self, text: &str) -> Statbot {
        self.stdin = Some(text.to_owned());
        self
    }

    /// The command, for a test that runs it itself.
    pub fn command(self) -> Command {
        self.command
    }

    /// Runs it to the end, its output captured.
    pub fn run(mut self) -> Ran {
        self.command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = self.command.spawn().expect("the statbot binary starts");
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = &self.stdin {
            // The program may stop (on a bad setting, say) before it reads: a broken pipe is fine.
            let _ = input.write_all(text.as_bytes());
        }
        drop(input);
        let output = child.wait_with_output().unwrap();
        Ran {
            status: output.status,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs it to the end and fails the test unless it succeeds.
    pub fn run_ok(self) -> Ran {
        let args: Vec<_> = self.command.get_args().map(|arg| arg.to_string_lossy().into_owned()).collect();
        let ran = self.run();
        assert!(ran.status.success(), "statbot {args:?}: {}", ran.stderr);
        ran
    }
}
