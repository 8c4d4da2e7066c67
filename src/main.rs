fn main() -> std::process::ExitCode {
    plat::cli::run()
}
