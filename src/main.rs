//! The `newsdesk` binary: parses the command line, starts logging, and hands
//! the command to [`cli::run`]. Everything it runs lives in the crates.

mod app;
mod cli;
mod config;
mod demo;
mod jsonl;
mod logging;
mod serve;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = cli::parse();
    logging::init(cli.log_format);
    cli::run(cli).await
}
