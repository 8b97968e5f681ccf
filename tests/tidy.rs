//! Tidy checks, in the manner of rust-analyzer's: the dependency rules that
//! docs/ARCHITECTURE.md's code map states are the ones the manifests keep.
//!
//! Each code-map row names a crate (`crates/NAME`) and, in its "must never
//! depend on" column, the crates it must not use, in backticks (or "any
//! other newsdesk crate"). Every `crates/*/Cargo.toml` must have a row, every
//! row a crate, and no crate's `[dependencies]` may name a forbidden crate.
//! Dev-dependencies are test fixtures (the newswire, the store under a test)
//! and are not held to the rules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A crate's forbidden dependencies, as the code map states them.
#[derive(Debug, PartialEq)]
enum Forbidden {
    /// Every other newsdesk crate.
    AllOthers,
    /// These crates (directory names under `crates/`).
    Crates(BTreeSet<String>),
}

/// The code map's rows: crate directory name → what it must never depend on.
fn code_map(architecture: &str) -> BTreeMap<String, Forbidden> {
    let mut rows = BTreeMap::new();
    for line in architecture.lines() {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
        let [name, _, never] = cells[..] else { continue };
        let Some(name) = name.strip_prefix("`crates/").and_then(|n| n.strip_suffix('`')) else {
            continue;
        };
        let forbidden = if never.contains("any other newsdesk crate") {
            Forbidden::AllOthers
        } else {
            // Backticked names before any explanation in parentheses.
            let listed = never.split('(').next().unwrap_or_default();
            Forbidden::Crates(listed.split('`').skip(1).step_by(2).map(String::from).collect())
        };
        rows.insert(name.to_string(), forbidden);
    }
    rows
}

/// The newsdesk crates a manifest's `[dependencies]` names, by directory.
fn newsdesk_dependencies(manifest: &str) -> BTreeSet<String> {
    let doc: toml::Table = manifest.parse().expect("a manifest is TOML");
    let deps = doc.get("dependencies").and_then(|d| d.as_table());
    deps.into_iter()
        .flat_map(|t| t.keys())
        .filter_map(|k| k.strip_prefix("newsdesk-"))
        .map(String::from)
        .collect()
}

/// Each rule that `name`'s manifest breaks, as a message.
fn violations(name: &str, manifest: &str, map: &BTreeMap<String, Forbidden>) -> Vec<String> {
    let Some(forbidden) = map.get(name) else {
        return vec![format!("crates/{name} has no row in the code map")];
    };
    newsdesk_dependencies(manifest)
        .into_iter()
        .filter(|dep| match forbidden {
            Forbidden::AllOthers => true,
            Forbidden::Crates(set) => set.contains(dep),
        })
        .map(|dep| format!("crates/{name} depends on newsdesk-{dep}, which the code map forbids"))
        .collect()
}

#[test]
fn manifests_keep_the_code_maps_dependency_rules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let map = code_map(&std::fs::read_to_string(root.join("docs/ARCHITECTURE.md")).unwrap());
    let mut broken = Vec::new();
    let mut crates = BTreeSet::new();
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(manifest) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
            continue;
        };
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        broken.extend(violations(&name, &manifest, &map));
        crates.insert(name);
    }
    for row in map.keys().filter(|row| !crates.contains(*row)) {
        broken.push(format!("the code map names crates/{row}, which does not exist"));
    }
    assert!(crates.len() >= 10, "found only {crates:?}");
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

/// The check itself: a forbidden dependency, in either form of the column,
/// and a crate missing from the map are each caught.
#[test]
fn a_forbidden_dependency_is_caught() {
    let map = code_map(
        "| crate | for | must never depend on |\n| --- | --- | --- |\n\
         | `crates/domain` | types | any other newsdesk crate |\n\
         | `crates/web` | site | `fetch`, `extract` (pages never recompute: they read `store`) |\n",
    );
    let web = "[package]\nname = \"newsdesk-web\"\n[dependencies]\nnewsdesk-store.workspace = true\nnewsdesk-fetch = { path = \"../fetch\" }\n[dev-dependencies]\nnewsdesk-extract.workspace = true\n";
    assert_eq!(
        violations("web", web, &map),
        ["crates/web depends on newsdesk-fetch, which the code map forbids"],
        "a backticked name in parentheses explains, it does not forbid; dev-dependencies are not checked"
    );
    let domain = "[dependencies]\nchrono = \"0.4\"\nnewsdesk-store.workspace = true\n";
    assert_eq!(violations("domain", domain, &map).len(), 1);
    assert_eq!(
        violations("domain", "[dependencies]\nserde = \"1\"\n", &map),
        Vec::<String>::new()
    );
    assert_eq!(
        violations("crawl", "", &map),
        ["crates/crawl has no row in the code map"]
    );
}
