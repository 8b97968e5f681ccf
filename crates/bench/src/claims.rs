//! Host claims at scale (issue #18): how long a crawl worker waits for its
//! next hosts when a PostgreSQL database holds a million pending pages on
//! ten thousand hosts, and when most hosts have nothing to do.
//!
//! The rows are made by the server (`INSERT … SELECT generate_series`),
//! which is as fast as `COPY` for generated data; the claims go through
//! the store, as a worker makes them: lease `per_claim` hosts, hand them
//! back, again.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::Utc;
use newsdesk_postgres::{GenericClient, Postgres};
use newsdesk_store::{PostgresStore, Store};

/// What to build and measure.
pub struct ClaimsBench {
    /// An empty PostgreSQL database.
    pub database: String,
    /// Pending pages to make.
    pub pending: u64,
    /// Host rows to make.
    pub hosts: u64,
    /// Hosts with work (the rest only have a row, as after their queue emptied).
    pub busy_hosts: u64,
    /// Claims to time.
    pub claims: usize,
    /// Hosts each claim asks for.
    pub per_claim: usize,
}

/// Fills the database, then times the claims and prints p50, p99 and max.
pub fn run(b: &ClaimsBench) -> Result<()> {
    let store = PostgresStore::connect(&b.database).context("connecting the store")?;
    let pg = Postgres::connect(&b.database, 1)?;
    let started = Instant::now();
    fill(&pg, b)?;
    println!(
        "filled {} pending pages on {} of {} hosts in {:.1} s",
        b.pending,
        b.busy_hosts,
        b.hosts,
        started.elapsed().as_secs_f64()
    );
    let mut times = Vec::with_capacity(b.claims);
    let mut claimed = 0;
    for round in 0..b.claims {
        let worker = format!("bench-{round}");
        let now = Utc::now();
        let started = Instant::now();
        let leases = store.claim_hosts(&worker, now, now + chrono::Duration::seconds(60), &[], b.per_claim)?;
        times.push(started.elapsed());
        claimed += leases.len();
        for lease in leases {
            store.release_host(&lease.host, &worker, now, None)?;
        }
    }
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!(
        "{} claims of up to {} hosts ({claimed} leased): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        b.claims,
        b.per_claim,
        ms(at(0.5)),
        ms(at(0.99)),
        ms(at(1.0)),
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Hosts `h0 … h{hosts-1}`, pages spread over the first `busy_hosts`.
fn fill(pg: &Postgres, b: &ClaimsBench) -> Result<()> {
    let (pending, hosts, busy) = (b.pending as i64, b.hosts as i64, b.busy_hosts.max(1) as i64);
    pg.write(async |tx| {
        let steps: [(&str, &[&(dyn newsdesk_postgres::ToSql + Sync)]); 5] = [
            (
                "INSERT INTO sources (name, slug) VALUES ('Bench', 'bench') ON CONFLICT DO NOTHING",
                &[],
            ),
            (
                "INSERT INTO hosts (host) SELECT 'h' || g || '.example' FROM generate_series(0::bigint, $1::bigint - 1) g
                 ON CONFLICT DO NOTHING",
                &[&hosts],
            ),
            (
                "INSERT INTO articles (source_id, url, status, title, discovered_at, sort_at, host)
                 SELECT s.id, 'https://h' || (g % $2::bigint) || '.example/' || g, 'pending', 'Page ' || g,
                        now(), now(), 'h' || (g % $2::bigint) || '.example'
                 FROM generate_series(1::bigint, $1::bigint) g, sources s WHERE s.slug = 'bench'",
                &[&pending, &busy],
            ),
            (
                "UPDATE hosts SET pages_pending = TRUE
                 WHERE host IN (SELECT 'h' || g || '.example' FROM generate_series(0::bigint, $1::bigint - 1) g)",
                &[&busy],
            ),
            ("ANALYZE", &[]),
        ];
        for (sql, params) in steps {
            tx.execute(sql, params)
                .await
                .map_err(|e| newsdesk_postgres::PgError::query("fill", e))?;
        }
        Ok::<_, newsdesk_postgres::PgError>(())
    })?;
    Ok(())
}
