//! The `newsdesk-bench` command line (see the library's documentation).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use clap::{Parser, Subcommand};
use newsdesk_analyze::section::train::Params;
use newsdesk_bench::{analyze, claims, cluster, entities, extract, generate, million, orders, section, tagger, warc};
use newsdesk_store::Store;

/// Measures newsdesk's quality, speed and memory (docs/BENCHMARKS.md).
/// Paths are relative to the current directory: run from the repository root.
#[derive(Parser)]
#[command(about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum MillionStep {
    /// Write ready articles with analyses and stories into an empty database with COPY.
    Seed {
        /// An empty PostgreSQL database (postgres://…).
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 1_000_000)]
        articles: usize,
        #[arg(long, default_value_t = 10_000)]
        hosts: usize,
    },
    /// Watch the story queue while something ingests: p50/p99 of the time to a story.
    Lag {
        #[arg(long)]
        database: String,
        /// Stop after this long at the latest.
        #[arg(long, default_value_t = 600)]
        seconds: u64,
        #[arg(long, default_value_t = 20)]
        every_ms: u64,
    },
    /// A million updates of host rows and of article rows: table sizes before and after.
    Bloat {
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 1_000_000)]
        updates: usize,
        #[arg(long, default_value_t = 1_000)]
        batch: usize,
        /// Seconds to leave autovacuum before the second reading.
        #[arg(long, default_value_t = 120)]
        settle_secs: u64,
    },
}

#[derive(Subcommand)]
enum Command {
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
        /// Score only one fixed half of the split (by a hash of the article's file name): tune on a, confirm on b.
        #[arg(long, value_enum)]
        half: Option<extract::Half>,
    },
    /// Document-level people, organisations and places by the project's scorer
    /// (a gum-wikinews-style JSONL, or the open-ner-en directory for its dev split).
    Entities {
        #[arg(long, default_value = "../shared/corpora/gum-wikinews/gum-wikinews.jsonl")]
        corpus: PathBuf,
        #[arg(long, default_value = "target/bench")]
        out: PathBuf,
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
        /// Write the first round's analyses here as JSON lines (to compare two builds).
        #[arg(long)]
        dump: Option<PathBuf>,
    },
    /// Article extraction: shingle precision/recall/F1, pages/s on one thread, peak RSS.
    Extract {
        /// A ScrapingHub-style corpus (ground-truth.json + html/) or Mozilla readability test pages; repeatable.
        #[arg(long, required = true)]
        corpus: Vec<PathBuf>,
        /// Also list the N worst-scoring pages of each corpus.
        #[arg(long, default_value_t = 0)]
        worst: usize,
        /// Score only one fixed half of each corpus (by a hash of the page id): tune on a, confirm on b.
        #[arg(long, value_enum)]
        half: Option<extract::Half>,
        /// Write each page's text to DIR/ID.txt and per-page scores to DIR/scores.tsv (ScrapingHub layout).
        #[arg(long, value_name = "DIR")]
        dump: Option<PathBuf>,
    },
    /// Fill a database with a synthetic archive for load tests (bench/site.sh); prints the newest article's id.
    Generate {
        /// Database to fill: a SQLite file (created if missing) or a postgres:// URL.
        #[arg(long, env = "NEWSDESK_DATABASE", default_value = "data/newsdesk.db")]
        database: String,
        /// How many articles to write.
        #[arg(long, default_value_t = 100_000)]
        articles: usize,
    },
    /// Crawl workers' host claims with many pending pages on a PostgreSQL database: p50/p99 latency.
    Claims {
        /// An empty PostgreSQL database (postgres://…).
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 1_000_000)]
        pending: u64,
        #[arg(long, default_value_t = 10_000)]
        hosts: u64,
        /// Hosts with pending pages; the others have none.
        #[arg(long, default_value_t = 10_000)]
        busy_hosts: u64,
        #[arg(long, default_value_t = 1_000)]
        claims: usize,
        #[arg(long, default_value_t = 16)]
        per_claim: usize,
    },
    /// A million-article PostgreSQL database and what it costs to run (bench/million.sh).
    Million {
        #[command(subcommand)]
        step: MillionStep,
    },
    /// Story clustering: NMI and B-cubed on the MStream sets, items/s, RSS and latency.
    Cluster {
        /// Directory with the MStream News.jsonl and News-T.jsonl.
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// Synthetic title+lead items for the throughput run.
        #[arg(long, default_value_t = 100_000)]
        articles: usize,
        /// Synthetic items for the memory and latency run (e.g. 1000000).
        #[arg(long)]
        stream: Option<usize>,
        /// Write every item's assignment, run by run, to this file (to compare two builds' decisions).
        #[arg(long)]
        dump: Option<PathBuf>,
        /// all-MiniLM-L6-v2 model directory: also score the corpus with title embeddings.
        #[cfg(feature = "semantic")]
        #[arg(long, requires = "corpus")]
        semantic: Option<PathBuf>,
        /// Semantic weights to compare with 0 (comma-separated).
        #[cfg(feature = "semantic")]
        #[arg(long, value_delimiter = ',', default_value = "0.2,0.4")]
        semantic_weight: Vec<f32>,
    },
    /// Order dependence of stories: the newswire's articles in seeded random
    /// orders with the live configuration (% of orders merging two events or
    /// splitting one), and B-cubed F1 under arrival jittered by ±2 h.
    Orders {
        /// Seeded random orders (seeds 1..=N).
        #[arg(long, default_value_t = 400)]
        orders: u64,
        /// Directory with the MStream News.jsonl and News-T.jsonl: also jitter their arrival.
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// Print the stories of every order that merged or split.
        #[arg(long)]
        verbose: bool,
        /// all-MiniLM-L6-v2 model directory: embed the newswire titles, as the live pipeline does
        /// (and, with --corpus, MStream's titles for a jitter run with embeddings).
        #[cfg(feature = "semantic")]
        #[arg(long)]
        semantic: Option<PathBuf>,
    },
    /// Train the name tagger on open-ner-en, write its model and score it on the dev split.
    TrainTagger {
        #[arg(long, default_value = "../shared/corpora/open-ner-en")]
        corpus: PathBuf,
        #[arg(long, default_value_t = 10)]
        epochs: usize,
        #[arg(long, default_value = "crates/analyze/model/tagger.bin")]
        out: PathBuf,
    },
    /// Train the section classifier on news-sections: score held-out slices of
    /// train, then train on all of it and write the model.
    TrainSection {
        #[arg(long, default_value = "../shared/corpora/news-sections")]
        corpus: PathBuf,
        #[arg(long, default_value = "crates/analyze/model/section.bin")]
        out: PathBuf,
        /// Held-out slices to score (each trains a model without its slice).
        #[arg(long, default_value_t = 1)]
        folds: usize,
        /// Items per section in a held-out slice.
        #[arg(long, default_value_t = 200)]
        per: usize,
        /// Only score the held-out slices.
        #[arg(long)]
        dry_run: bool,
        /// Train on dev too (held-out slices still come from train).
        #[arg(long)]
        with_dev: bool,
        #[arg(long, default_value_t = Params::default().epochs)]
        epochs: usize,
        #[arg(long, default_value_t = Params::default().lambda)]
        lambda: f32,
        #[arg(long, default_value_t = Params::default().eta0)]
        eta0: f32,
        #[arg(long, default_value_t = Params::default().balance)]
        balance: f32,
        /// Feature group weights: words, title words, subwords.
        #[arg(long, value_delimiter = ',', default_values_t = Params::default().groups)]
        groups: Vec<f32>,
        #[arg(long, default_value_t = Params::default().min_df)]
        min_df: u32,
        /// Folds for the bias calibration (0: none).
        #[arg(long, default_value_t = Params::default().calibration_folds)]
        calibration_folds: usize,
    },
    /// Score the committed section model on a split of news-sections (dev by default).
    Section {
        #[arg(long, default_value = "../shared/corpora/news-sections")]
        corpus: PathBuf,
        #[arg(long, default_value = "dev")]
        split: String,
    },
    /// A CC-NEWS-like WARC file of news pages (a gzip member per record) for
    /// `newsdesk import warc`; with --read, how fast the WARC reader reads one.
    Warc {
        /// The file to write.
        #[arg(long, required_unless_present = "read")]
        out: Option<PathBuf>,
        #[arg(long, default_value_t = 10_000)]
        records: usize,
        /// Only read this file through `warc::Archive`: records/s.
        #[arg(long, conflicts_with = "out")]
        read: Option<PathBuf>,
    },
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Extract {
            corpus,
            worst,
            half,
            dump,
        } => extract::run(&corpus, &extract::Options { worst, half, dump }),
        Command::Summary {
            corpus,
            sentences,
            out,
            tune,
        } => analyze::summary(&corpus, sentences, &out, tune),
        Command::Quotes { corpus, verbose, half } => analyze::quotes(&corpus, verbose, half),
        Command::Entities { corpus, out } => entities::run(&corpus, &out),
        Command::Analyze { corpus, rounds, dump } => analyze::speed(&corpus, rounds, dump.as_deref()),
        Command::Orders {
            orders,
            corpus,
            verbose,
            #[cfg(feature = "semantic")]
            semantic,
        } => orders::run(&orders::OrdersBench {
            orders,
            corpus,
            verbose,
            #[cfg(feature = "semantic")]
            semantic,
        }),
        Command::TrainTagger { corpus, epochs, out } => tagger::run(&corpus, epochs, &out),
        Command::TrainSection {
            corpus,
            out,
            folds,
            per,
            dry_run,
            with_dev,
            epochs,
            lambda,
            eta0,
            balance,
            groups,
            min_df,
            calibration_folds,
        } => section::run_train(&section::TrainArgs {
            corpus: &corpus,
            out: &out,
            params: Params {
                epochs,
                lambda,
                eta0,
                balance,
                groups: groups
                    .try_into()
                    .map_err(|_| anyhow::anyhow!("--groups takes 3 weights"))?,
                min_df,
                calibration_folds,
            },
            folds,
            per,
            dry_run,
            with_dev,
        }),
        Command::Section { corpus, split } => section::run_score(&corpus, &split),
        Command::Warc { out, records, read } => match (read, out) {
            (Some(path), _) => warc::read(&path),
            (None, Some(out)) => warc::write(&out, records),
            (None, None) => Err(anyhow::anyhow!("--out FILE or --read FILE")),
        },
        Command::Generate { database, articles } => {
            let store: Arc<dyn Store> =
                newsdesk_store::open(&database).map_err(|e| anyhow::anyhow!("opening database {database}: {e}"))?;
            let started = std::time::Instant::now();
            let newest = generate::archive(&store, articles)?;
            eprintln!("wrote {articles} articles in {:.1?}", started.elapsed());
            println!("{newest}");
            Ok(())
        }
        Command::Claims {
            database,
            pending,
            hosts,
            busy_hosts,
            claims,
            per_claim,
        } => claims::run(&claims::ClaimsBench {
            database,
            pending,
            hosts,
            busy_hosts,
            claims,
            per_claim,
        }),
        Command::Million { step } => match step {
            MillionStep::Seed {
                database,
                articles,
                hosts,
            } => million::seed(&million::Seed {
                database,
                articles,
                hosts,
            }),
            MillionStep::Lag {
                database,
                seconds,
                every_ms,
            } => million::lag(&million::Lag {
                database,
                seconds,
                every_ms,
            }),
            MillionStep::Bloat {
                database,
                updates,
                batch,
                settle_secs,
            } => million::bloat(&million::Bloat {
                database,
                updates,
                batch,
                settle_secs,
            }),
        },
        Command::Cluster {
            corpus,
            articles,
            stream,
            dump,
            #[cfg(feature = "semantic")]
            semantic,
            #[cfg(feature = "semantic")]
            semantic_weight,
        } => cluster::cluster(&cluster::ClusterBench {
            corpus,
            articles,
            stream,
            dump,
            #[cfg(feature = "semantic")]
            semantic: semantic.map(|model| newsdesk_bench::semantic::SemanticBench {
                model,
                weights: semantic_weight,
            }),
        }),
    }
}
