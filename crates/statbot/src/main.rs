//! The `statbot` binary: everything happens in [`statbot::cli`].

fn main() -> std::process::ExitCode {
    statbot::cli::main()
}
