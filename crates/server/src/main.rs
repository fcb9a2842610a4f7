//! `fedgate`: the command line. Each subcommand lives in its own file under `cli/`.

mod cli;

/// mimalloc instead of glibc's malloc: a sign-in makes about 400 allocations, and under load
/// glibc's `malloc`, `free` and the consolidation of its fast bins took about 16% of the
/// server's CPU (docs/decisions.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
