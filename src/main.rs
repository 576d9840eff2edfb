fn main() {
    std::process::exit(tutas::cli::main());
}
