//! `genesys-billing`: see `genesys-billing --help` and the `billing_cli` library.

fn main() -> std::process::ExitCode {
    billing_cli::main()
}
