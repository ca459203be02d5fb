//! The `statbot` binary: everything happens in [`statbot::cli`].

/// mimalloc rather than the system allocator: the pipeline allocates and frees across threads
/// (rows handed from the SQLite thread, requests between runtimes), where glibc's allocator
/// spends a tenth of the CPU time consolidating its arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    statbot::cli::main()
}
