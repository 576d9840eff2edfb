// mimalloc keeps freed chunk buffers for reuse instead of faulting fresh pages in for every
// chunk, and is faster for the many small allocations of generation (see docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    without_transparent_huge_pages();
    quiet_on_closed_pipes();
    std::process::exit(tutas::cli::main());
}

/// Turns transparent huge pages off for this process. mimalloc asks for them, and each one is
/// zeroed whole (2 MiB) when first touched: on this project's VM, `large.yaml` spent about a
/// second more in the kernel with them (8.8–9.2 s against 7.8–8.0 s end to end).
fn without_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE only sets a flag of this process; a failure changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Lets a closed pipe end the process quietly, as other command-line tools do
/// (`tutas schema | head`): Rust ignores SIGPIPE, so every later print would panic instead.
fn quiet_on_closed_pipes() {
    #[cfg(target_os = "linux")]
    // SAFETY: restores the default action of one signal for this process.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
