//! The `newsdesk` command line.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use newsdesk::config::Config;
use newsdesk_fetch::Fetcher;

/// newsdesk: a self-hostable news aggregator.
///
/// Collects articles from RSS, Atom and JSON feeds, extracts clean text from
/// publisher pages, and serves them as a fast website.
#[derive(Parser)]
#[command(version, about, long_about)]
struct Cli {
    /// TOML configuration file. Environment variables NEWSDESK_LISTEN,
    /// NEWSDESK_DATABASE, NEWSDESK_SITE_NAME, NEWSDESK_USER_AGENT,
    /// NEWSDESK_REQUESTS_PER_SECOND and NEWSDESK_ALLOW_HOSTS override it.
    #[arg(long, global = true, env = "NEWSDESK_CONFIG")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the website and crawl feeds in the background.
    Serve,
    /// Try newsdesk offline: crawl built-in fictional outlets over loopback and serve the site.
    Demo {
        /// Port for the website.
        #[arg(long, default_value_t = 8080)]
        port: u16,
    },
    /// Run one crawl pass (due feeds, then pending pages) and exit.
    Ingest,
    /// Manage feed subscriptions.
    #[command(subcommand)]
    Feeds(FeedsCommand),
    /// Import or export subscriptions as OPML.
    #[command(subcommand)]
    Opml(OpmlCommand),
    /// Extract articles from saved pages: one JSON object per page, one per line.
    ///
    /// Exits non-zero only when an input could not be read.
    Extract {
        /// Address the pages were fetched from (makes links and images absolute).
        #[arg(long)]
        url: Option<url::Url>,
        /// `.html` or `.html.gz` files; `-` reads standard input.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Measure newsdesk against benchmark corpora.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Article extraction: shingle precision/recall/F1, pages/s on one thread, peak RSS.
    Extract {
        /// A ScrapingHub-style corpus (ground-truth.json + html/) or Mozilla readability test pages; repeatable.
        #[arg(long, required = true)]
        corpus: Vec<PathBuf>,
        /// Also list the N worst-scoring pages of each corpus.
        #[arg(long, default_value_t = 0)]
        worst: usize,
    },
}

#[derive(Subcommand)]
enum FeedsCommand {
    /// Subscribe to a feed, or to a site page that links to its feed.
    Add {
        url: String,
        /// Source (publisher) name; defaults to the feed's title.
        #[arg(long)]
        source: Option<String>,
    },
    /// List feeds with their source and health.
    List,
    /// Unsubscribe from a feed; its articles stay.
    Remove { url: String },
}

#[derive(Subcommand)]
enum OpmlCommand {
    /// Subscribe to every feed in an OPML file.
    Import { file: PathBuf },
    /// Write subscriptions as OPML to stdout.
    Export,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    // Offline commands run on this thread alone: no runtime, no config.
    match cli.command {
        Command::Extract { url, paths } => {
            let all_read = newsdesk::extract::run(&paths, url.as_ref(), &mut std::io::stdout().lock())?;
            std::process::exit(if all_read { 0 } else { 1 });
        }
        Command::Bench(BenchCommand::Extract { corpus, worst }) => newsdesk::bench::run(&corpus, worst),
        command => online(cli.config, command),
    }
}

#[tokio::main]
async fn online(config: Option<PathBuf>, command: Command) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let config = Config::load(config.as_deref())?;
    match command {
        Command::Serve => newsdesk::serve::serve(config).await,
        Command::Demo { port } => newsdesk::demo::demo(config, port).await,
        Command::Ingest => ingest(&config).await,
        Command::Feeds(cmd) => feeds(&config, cmd).await,
        Command::Opml(cmd) => opml(&config, cmd).await,
        Command::Extract { .. } | Command::Bench(_) => unreachable!("handled before the runtime starts"),
    }
}

async fn ingest(config: &Config) -> Result<()> {
    let store = newsdesk::open_store(config)?;
    newsdesk::feeds::seed(&store, &config.starter_feeds).await?;
    let crawler =
        newsdesk::ingest::Crawler::new(store, Fetcher::new(config.fetch_config())?, config.crawl.parallel_hosts);
    let r = crawler.run_pass().await?;
    println!(
        "polled {} feeds ({} failed), {} new articles, fetched {} pages ({} failed)",
        r.feeds_polled, r.feeds_failed, r.new_articles, r.pages_fetched, r.pages_failed
    );
    Ok(())
}

async fn feeds(config: &Config, cmd: FeedsCommand) -> Result<()> {
    let store = newsdesk::open_store(config)?;
    match cmd {
        FeedsCommand::Add { url, source } => {
            let feed = newsdesk::feeds::add(&store, &Fetcher::new(config.fetch_config())?, &url, source).await?;
            println!("subscribed to {}", feed.url);
        }
        FeedsCommand::List => newsdesk::feeds::list(&store)
            .await?
            .iter()
            .for_each(|l| println!("{l}")),
        FeedsCommand::Remove { url } => {
            anyhow::ensure!(
                newsdesk::feeds::remove(&store, &url).await?,
                "no feed {url} is subscribed"
            );
            println!("unsubscribed from {url}");
        }
    }
    Ok(())
}

async fn opml(config: &Config, cmd: OpmlCommand) -> Result<()> {
    let store = newsdesk::open_store(config)?;
    match cmd {
        OpmlCommand::Import { file } => {
            let xml = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let n = newsdesk::opml::import(&store, &xml).await?;
            println!("imported {n} feeds");
        }
        OpmlCommand::Export => print!("{}", newsdesk::opml::export(&store).await?),
    }
    Ok(())
}
