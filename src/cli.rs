//! The command line: what each command takes, and which crate runs it.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use url::Url;

use crate::config::Config;
use crate::logging::LogFormat;
use crate::{app, demo, import, jsonl, migrate, serve};

/// newsdesk: a self-hostable news aggregator.
///
/// Collects articles from RSS, Atom and JSON feeds, extracts clean text from
/// publisher pages, and serves them as a fast website.
#[derive(Parser)]
#[command(version, about, long_about)]
pub struct Cli {
    /// TOML configuration file; environment variables override it (the
    /// full help lists them).
    #[arg(long, global = true, env = "NEWSDESK_CONFIG")]
    config: Option<PathBuf>,

    /// Log lines as text (coloured on a terminal) or as JSON objects.
    #[arg(long, global = true, value_enum, env = "NEWSDESK_LOG_FORMAT", default_value = "text")]
    pub log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the website and crawl feeds in the background.
    Serve,
    /// Crawl without serving pages: one of several workers on one
    /// PostgreSQL database (hosts are leased, one worker writes stories).
    Worker,
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
    /// Import pages from web archives.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Manage feed subscriptions.
    #[command(subcommand)]
    Feeds(FeedsCommand),
    /// Import or export subscriptions as OPML.
    #[command(subcommand)]
    Opml(OpmlCommand),
    /// Move an instance from its SQLite file to an empty PostgreSQL database.
    Migrate {
        /// The SQLite database: `sqlite:PATH` (or just the path).
        #[arg(long)]
        from: String,
        /// The PostgreSQL database: `postgres://user:password@host:port/database`.
        #[arg(long)]
        to: String,
    },
    /// Create administrator accounts (registration on the site only makes readers).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Assign JSONL items {"id","title","text"?,"published"?,"source"?,"url"?}
    /// to stories as the live pipeline does (title embeddings included);
    /// prints {"id","story"} per item.
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
        url: Option<Url>,
        /// `.html` or `.html.gz` files; `-` reads standard input.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import the HTML pages of WARC files (`.warc.gz` with a gzip member
    /// per record, as Common Crawl's CC-NEWS, or `.warc`): extracted,
    /// analysed, indexed and clustered in fetch order.
    ///
    /// Each file is leased by its name: workers given the same files on
    /// one database split them, and a file imported to its end is passed
    /// over afterwards. Bad records are counted and skipped; exits
    /// non-zero only when a file cannot be read.
    Warc {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum FeedsCommand {
    /// Subscribe to a feed, or to a site page that links to its feed.
    Add {
        /// The feed's or the site page's http(s) address.
        #[arg(value_parser = web_address)]
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

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin account; its password is the first line of standard input.
    Create { name: String },
}

/// Parses the command line; `--config`'s help lists every variable the
/// configuration reads, from the list it reads them by.
pub fn parse() -> Cli {
    let matches = command().get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

fn command() -> clap::Command {
    let variables = crate::config::ENV_VARS.join(", ");
    Cli::command().mut_arg("config", |arg| {
        arg.long_help(format!(
            "TOML configuration file. These environment variables override it: {variables}."
        ))
    })
}

/// Checked before anything else runs, so a typo never creates a database.
fn web_address(raw: &str) -> Result<String, String> {
    newsdesk_fetch::urls::canonicalize(raw)
        .map(|_| raw.to_string())
        .map_err(|e| e.to_string())
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> Result<()> {
    // `extract` and `analyze` need no configuration; `cluster` reads it for
    // the live pipeline's embedding model, and opens no database.
    let config = || Config::load(cli.config.as_deref());
    match cli.command {
        Command::Serve => serve::serve(config()?).await,
        Command::Worker => serve::worker(config()?).await,
        Command::Demo { port } => demo::demo(config()?, port).await,
        Command::Ingest => app::ingest(&config()?).await,
        Command::Reindex => app::reindex(&config()?).await,
        Command::Import(ImportCommand::Warc { paths }) => import::warc(&config()?, &paths).await,
        Command::Feeds(cmd) => feeds(&config()?, cmd).await,
        Command::Opml(cmd) => opml(&config()?, cmd).await,
        Command::Migrate { from, to } => migrate::run(&from, &to).await,
        Command::Admin(AdminCommand::Create { name }) => create_admin(&config()?, &name),
        Command::Cluster { path } => {
            let embeddings = app::embeddings(&config()?).await?;
            jsonl::cluster::run(open_input(path)?, &mut stdout(), &mut std::io::stderr(), &embeddings).await
        }
        Command::Analyze { sentences, path } => jsonl::analyze::run(open_input(path)?, stdout(), sentences),
        Command::Extract { url, paths } => {
            let all_read = jsonl::extract::run(&paths, url.as_ref(), &mut stdout())?;
            std::process::exit(if all_read { 0 } else { 1 });
        }
    }
}

async fn feeds(config: &Config, cmd: FeedsCommand) -> Result<()> {
    let subscriptions = app::subscriptions(config)?;
    match cmd {
        FeedsCommand::Add { url, source } => {
            let feed = subscriptions.add(&url, source).await?;
            println!("subscribed to {}", feed.url);
        }
        FeedsCommand::List => subscriptions.list().await?.iter().for_each(|l| println!("{l}")),
        FeedsCommand::Remove { url } => {
            anyhow::ensure!(subscriptions.remove(&url).await?, "no feed {url} is subscribed");
            println!("unsubscribed from {url}");
        }
    }
    Ok(())
}

async fn opml(config: &Config, cmd: OpmlCommand) -> Result<()> {
    match cmd {
        OpmlCommand::Import { file } => {
            let xml = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            // Parsed before the database is opened: a bad file changes nothing.
            let feeds = newsdesk_crawl::parse_opml(&xml)?;
            let n = app::subscriptions(config)?.subscribe_all(feeds).await?;
            println!("imported {n} feeds");
        }
        OpmlCommand::Export => print!("{}", app::subscriptions(config)?.export_opml().await?),
    }
    Ok(())
}

/// `newsdesk admin create NAME`: the first admin comes from whoever runs
/// the server, never from a race to register.
fn create_admin(config: &Config, name: &str) -> Result<()> {
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .context("reading the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']);
    let store = app::open_store(config)?;
    let user = newsdesk_web::create_account(store.as_ref(), name, password, newsdesk_domain::Role::Admin)
        .map_err(anyhow::Error::msg)?;
    println!("created admin {}", user.username);
    Ok(())
}

/// A file, or standard input for `-` or no path.
fn open_input(path: Option<PathBuf>) -> Result<Box<dyn std::io::BufRead>> {
    Ok(match path.filter(|p| p.as_os_str() != "-") {
        Some(p) => Box::new(std::io::BufReader::new(
            std::fs::File::open(&p).with_context(|| format!("opening {}", p.display()))?,
        )),
        None => Box::new(std::io::stdin().lock()),
    })
}

fn stdout() -> std::io::BufWriter<std::io::StdoutLock<'static>> {
    std::io::BufWriter::new(std::io::stdout().lock())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_help_names_every_environment_variable() {
        let help = command().render_long_help().to_string();
        for var in crate::config::ENV_VARS {
            assert!(help.contains(var), "--config help does not name {var}");
        }
    }

    #[test]
    fn a_bad_feed_address_is_refused_before_anything_runs() {
        let parsed = command()
            .try_get_matches_from(["newsdesk", "feeds", "add", "not-a-url"])
            .map(|m| Cli::from_arg_matches(&m));
        let Err(err) = parsed else {
            panic!("not-a-url was accepted");
        };
        assert!(err.to_string().contains("not-a-url"), "{err}");
        assert!(command()
            .try_get_matches_from(["newsdesk", "feeds", "add", "https://news.example/feed"])
            .is_ok());
    }
}
