//! Against a real server (see `newsdesk_postgres::testing`): migrations
//! under concurrent starts, retried deadlocks, calls from async code.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier};

use newsdesk_postgres::testing::TestDatabase;
use newsdesk_postgres::{PgError, Postgres};

const STEPS: &[&str] = &[
    "CREATE TABLE starts (n INT NOT NULL)",
    "INSERT INTO starts (n) VALUES (1)",
];

fn count(pg: &Postgres, sql: &str) -> i64 {
    pg.read(async |c| {
        let row = c.query_one(sql, &[]).await.map_err(|e| PgError::query("count", e))?;
        Ok::<_, PgError>(row.get(0))
    })
    .unwrap()
}

#[test]
fn processes_starting_together_migrate_once() {
    let Some(db) = TestDatabase::create("processes_starting_together_migrate_once") else {
        return;
    };
    let url = db.url().to_owned();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || Postgres::connect(&url, 1).unwrap().migrate("demo", STEPS).unwrap())
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 2);
    }
    let pg = Postgres::connect(&url, 1).unwrap();
    assert_eq!(count(&pg, "SELECT count(*) FROM starts"), 1, "a migration ran twice");
    assert_eq!(pg.schema_version("demo").unwrap(), 2);
    assert_eq!(pg.schema_version("other").unwrap(), 0);
}

#[test]
fn a_schema_newer_than_the_build_is_refused() {
    let Some(db) = TestDatabase::create("a_schema_newer_than_the_build_is_refused") else {
        return;
    };
    let pg = Postgres::connect(db.url(), 1).unwrap();
    pg.migrate("demo", STEPS).unwrap();
    let err = pg.migrate("demo", &STEPS[..1]).unwrap_err();
    assert!(err.to_string().contains("newer than this build"), "{err}");
}

#[test]
fn deadlocked_writes_are_retried() {
    let Some(db) = TestDatabase::create("deadlocked_writes_are_retried") else {
        return;
    };
    let pg = Arc::new(Postgres::connect(db.url(), 4).unwrap());
    pg.migrate(
        "demo",
        &["CREATE TABLE cells (id INT PRIMARY KEY, n INT NOT NULL); INSERT INTO cells VALUES (1, 0), (2, 0)"],
    )
    .unwrap();
    // Both lock one row, meet, then each wants the other's: PostgreSQL
    // kills one transaction, which must run again and succeed.
    let met = Arc::new(Barrier::new(2));
    let attempts = Arc::new(AtomicU32::new(0));
    let workers: Vec<_> = [(1, 2), (2, 1)]
        .into_iter()
        .map(|(first, second)| {
            let (pg, met, attempts) = (pg.clone(), met.clone(), attempts.clone());
            std::thread::spawn(move || {
                pg.write(async |tx| {
                    let attempt = attempts.fetch_add(1, Ordering::SeqCst);
                    let bump = "UPDATE cells SET n = n + 1 WHERE id = $1";
                    tx.execute(bump, &[&first])
                        .await
                        .map_err(|e| PgError::query("first", e))?;
                    if attempt < 2 {
                        met.wait();
                    }
                    tx.execute(bump, &[&second])
                        .await
                        .map_err(|e| PgError::query("second", e))?;
                    Ok::<_, PgError>(())
                })
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap().unwrap();
    }
    assert!(attempts.load(Ordering::SeqCst) >= 3, "no transaction was retried");
    assert_eq!(count(&pg, "SELECT sum(n) FROM cells"), 4);
}

/// Store calls belong on blocking threads, but one made from async code by
/// mistake must work, not panic with a nested runtime.
async fn call_from_async_code() {
    let Some(db) = TestDatabase::create("calls_from_async_code_do_not_panic") else {
        return;
    };
    let pg = Postgres::connect(db.url(), 1).unwrap();
    pg.migrate("demo", STEPS).unwrap();
    assert_eq!(count(&pg, "SELECT count(*) FROM starts"), 1);
    drop(pg); // dropping on an async thread must not panic either
}

#[tokio::test]
async fn calls_from_a_current_thread_runtime_do_not_panic() {
    call_from_async_code().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_from_a_multi_thread_runtime_do_not_panic() {
    call_from_async_code().await;
}
