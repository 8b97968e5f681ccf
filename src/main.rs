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
    /// Analyse JSONL articles {"id","title"?,"text"}: summary, key points, entities, quotes.
    Analyze {
        /// Sentences in each summary.
        #[arg(long, default_value_t = newsdesk_analyze::DEFAULT_SUMMARY_SENTENCES)]
        sentences: usize,
        /// Input file; `-` or nothing reads standard input.
        path: Option<PathBuf>,
    },
    /// Measure the analysis on the shared corpora.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Summary ROUGE-1 against Lead-N on the CNN/DailyMail CSV; writes predictions for bench/rouge.sh.
    Summary {
        #[arg(
            long,
            default_value = "../shared/corpora/cnndm-val-first1000/cnn_dailymail_validation_first1000.csv"
        )]
        corpus: PathBuf,
        #[arg(long, default_value_t = 3)]
        sentences: usize,
        #[arg(long, default_value = "target/bench")]
        out: PathBuf,
        /// Also grid-search the weights.
        #[arg(long)]
        tune: bool,
    },
    /// Direct-quote precision, recall and speaker accuracy on a PolNeAR JSONL split.
    Quotes {
        #[arg(long, default_value = "../shared/corpora/polnear/polnear_dev.jsonl")]
        corpus: PathBuf,
        /// Print every miss.
        #[arg(long)]
        verbose: bool,
    },
    /// Articles per second of the whole analysis on one thread (CNN/DailyMail CSV).
    Analyze {
        #[arg(
            long,
            default_value = "../shared/corpora/cnndm-val-first1000/cnn_dailymail_validation_first1000.csv"
        )]
        corpus: PathBuf,
        #[arg(long, default_value_t = 3)]
        rounds: usize,
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
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve => newsdesk::serve::serve(config).await,
        Command::Demo { port } => newsdesk::demo::demo(config, port).await,
        Command::Ingest => ingest(&config).await,
        Command::Feeds(cmd) => feeds(&config, cmd).await,
        Command::Opml(cmd) => opml(&config, cmd).await,
        Command::Analyze { sentences, path } => analyze(path, sentences),
        Command::Bench(cmd) => bench(cmd),
    }
}

fn analyze(path: Option<PathBuf>, sentences: usize) -> Result<()> {
    let out = std::io::stdout().lock();
    match path.filter(|p| p.as_os_str() != "-") {
        Some(p) => {
            let file = std::fs::File::open(&p).with_context(|| format!("opening {}", p.display()))?;
            newsdesk::analyze::run(std::io::BufReader::new(file), out, sentences)
        }
        None => newsdesk::analyze::run(std::io::stdin().lock(), out, sentences),
    }
}

fn bench(cmd: BenchCommand) -> Result<()> {
    match cmd {
        BenchCommand::Summary {
            corpus,
            sentences,
            out,
            tune,
        } => newsdesk::bench::summary(&corpus, sentences, &out, tune),
        BenchCommand::Quotes { corpus, verbose } => newsdesk::bench::quotes(&corpus, verbose),
        BenchCommand::Analyze { corpus, rounds } => newsdesk::bench::speed(&corpus, rounds),
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
