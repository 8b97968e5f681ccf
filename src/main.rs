//! The `newsdesk` command line.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use newsdesk::config::Config;
use newsdesk_fetch::Fetcher;
use newsdesk_store::Store;

/// newsdesk: a self-hostable news aggregator.
///
/// Collects articles from RSS, Atom and JSON feeds, extracts clean text from
/// publisher pages, and serves them as a fast website.
#[derive(Parser)]
#[command(version, about, long_about)]
struct Cli {
    /// TOML configuration file. Environment variables NEWSDESK_LISTEN,
    /// NEWSDESK_DATABASE, NEWSDESK_SEARCH_DIR, NEWSDESK_SITE_NAME, NEWSDESK_USER_AGENT,
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
    /// Rebuild the search index from the database (stop `serve` first).
    Reindex,
    /// Manage feed subscriptions.
    #[command(subcommand)]
    Feeds(FeedsCommand),
    /// Import or export subscriptions as OPML.
    #[command(subcommand)]
    Opml(OpmlCommand),
    /// Assign JSONL items {"id","title","text"?,"published"?,"source"?,"url"?}
    /// to stories; prints {"id","story"} per item.
    Cluster {
        /// Input file; `-` or nothing for standard input.
        path: Option<PathBuf>,
    },
    /// Analyse JSONL articles {"id","title"?,"text"}: summary, key points, entities, quotes.
    Analyze {
        /// Sentences in each summary.
        #[arg(long, default_value_t = newsdesk_analyze::DEFAULT_SUMMARY_SENTENCES)]
        sentences: usize,
        /// Input file; `-` or nothing reads standard input.
        path: Option<PathBuf>,
    },
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

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // `cluster` works on files alone: it needs no configuration.
    let config = || Config::load(cli.config.as_deref());
    match cli.command {
        Command::Serve => newsdesk::serve::serve(config()?).await,
        Command::Demo { port } => newsdesk::demo::demo(config()?, port).await,
        Command::Ingest => ingest(&config()?).await,
        Command::Reindex => reindex(&config()?).await,
        Command::Feeds(cmd) => feeds(&config()?, cmd).await,
        Command::Opml(cmd) => opml(&config()?, cmd).await,
        Command::Cluster { path } => cluster(path),
        Command::Analyze { sentences, path } => analyze(path, sentences),
        Command::Extract { url, paths } => {
            let all_read = newsdesk::extract::run(&paths, url.as_ref(), &mut std::io::stdout().lock())?;
            std::process::exit(if all_read { 0 } else { 1 });
        }
    }
}

fn analyze(path: Option<PathBuf>, sentences: usize) -> Result<()> {
    let out = std::io::BufWriter::new(std::io::stdout().lock());
    match path.filter(|p| p.as_os_str() != "-") {
        Some(p) => {
            let file = std::fs::File::open(&p).with_context(|| format!("opening {}", p.display()))?;
            newsdesk::analyze::run(std::io::BufReader::new(file), out, sentences)
        }
        None => newsdesk::analyze::run(std::io::stdin().lock(), out, sentences),
    }
}

fn cluster(path: Option<PathBuf>) -> Result<()> {
    let input: Box<dyn std::io::BufRead> = match path {
        Some(p) if p.as_os_str() != "-" => Box::new(std::io::BufReader::new(
            std::fs::File::open(&p).with_context(|| format!("opening {}", p.display()))?,
        )),
        _ => Box::new(std::io::stdin().lock()),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    newsdesk::cluster::run(input, &mut out, &mut std::io::stderr())?;
    Ok(())
}

async fn ingest(config: &Config) -> Result<()> {
    let store: Arc<dyn Store> = newsdesk::open_store(config)?;
    newsdesk::feeds::seed(&store, &config.starter_feeds).await?;
    let embeddings = newsdesk::embeddings::Embeddings::load(config.cluster.semantic_model.as_deref()).await?;
    let mut crawler =
        newsdesk::ingest::Crawler::new(store, Fetcher::new(config.fetch_config())?, config.crawl.parallel_hosts)
            .with_embeddings(embeddings);
    // A running `serve` holds the index: crawl anyway, and say how to catch up.
    match newsdesk::search::open_index(config) {
        Ok(index) => crawler = crawler.with_search(index),
        Err(e) => tracing::warn!("crawling without updating search: {e:#}; run `newsdesk reindex` later"),
    }
    let r = crawler.run_pass().await?;
    println!(
        "polled {} feeds ({} failed), {} new articles, fetched {} pages ({} failed)",
        r.feeds_polled, r.feeds_failed, r.new_articles, r.pages_fetched, r.pages_failed
    );
    Ok(())
}

async fn reindex(config: &Config) -> Result<()> {
    let store = newsdesk::open_store(config)?;
    let index = newsdesk::search::open_index(config)?;
    let started = std::time::Instant::now();
    let n = tokio::task::spawn_blocking(move || newsdesk::search::reindex(store.as_ref(), &index)).await??;
    println!(
        "indexed {n} articles in {:.1} s into {}",
        started.elapsed().as_secs_f64(),
        config.search_dir().display()
    );
    Ok(())
}

async fn feeds(config: &Config, cmd: FeedsCommand) -> Result<()> {
    let store: Arc<dyn Store> = newsdesk::open_store(config)?;
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
    let store: Arc<dyn Store> = newsdesk::open_store(config)?;
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
