//! The `newsdesk` binary: parses the command line, starts logging, and hands
//! the command to [`cli::run`]. Everything it runs lives in the crates.

mod app;
mod cli;
mod config;
mod demo;
mod import;
mod jsonl;
mod logging;
mod memory;
mod migrate;
mod serve;

fn main() -> anyhow::Result<()> {
    memory::return_large_blocks_to_the_os();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let cli = cli::parse();
    logging::init(cli.log_format);
    cli::run(cli).await
}
