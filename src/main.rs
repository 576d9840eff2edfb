// mimalloc keeps freed chunk buffers for reuse instead of faulting fresh pages in for every
// chunk, and is faster for the many small allocations of generation (see README, Performance).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    without_transparent_huge_pages();
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
