//! `newsdesk-bench train-section` and `section`: train the section
//! classifier built into `newsdesk-analyze` on news-sections and score it.
//!
//! Every choice is made on held-out slices of train, never on dev: slice
//! `k` takes, in each section, the items ranked `k·n .. (k+1)·n` by a hash
//! of their id, so it is balanced like dev and the hidden test, and the
//! same on every run. `train-section` trains without each requested slice
//! and scores it, then trains on all of train and writes the model; the
//! `section` command scores the committed model on dev (the confirmation,
//! unless `--with-dev` put dev into training, as for the committed model).

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use newsdesk_analyze::section::train::{self, Example, Params};
use newsdesk_analyze::section::{Model, Section, CLASSES};
use serde::Deserialize;

/// One line of news-sections: `{"id", "title", "text", "section"}`.
#[derive(Deserialize)]
struct Line {
    id: String,
    title: String,
    text: String,
    section: String,
}

/// An example with its id.
struct Item {
    id: String,
    example: Example,
}

fn read_split(path: &Path) -> Result<Vec<Item>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .enumerate()
        .map(|(n, line)| {
            let line: Line = serde_json::from_str(line).with_context(|| format!("{}:{}", path.display(), n + 1))?;
            let section = Section::parse(&line.section)
                .with_context(|| format!("{}:{}: unknown section {}", path.display(), n + 1, line.section))?;
            Ok(Item {
                id: line.id,
                example: Example {
                    title: line.title,
                    text: line.text,
                    section,
                },
            })
        })
        .collect()
}

/// FNV-1a of an id: the held-out slices' ranking.
fn id_hash(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Splits train into (rest, slice `fold`) with `per` items of each section in the slice.
fn held_out(items: &[Item], fold: usize, per: usize) -> (Vec<Example>, Vec<Example>) {
    let mut ranked: Vec<(Section, u64, &str, usize)> = items
        .iter()
        .enumerate()
        .map(|(i, it)| (it.example.section, id_hash(&it.id), it.id.as_str(), i))
        .collect();
    ranked.sort_unstable();
    let mut in_slice = vec![false; items.len()];
    for s in Section::ALL {
        let of_section = ranked.iter().filter(|r| r.0 == s);
        for r in of_section.skip(fold * per).take(per) {
            in_slice[r.3] = true;
        }
    }
    let (mut rest, mut slice) = (Vec::new(), Vec::new());
    for (it, held) in items.iter().zip(in_slice) {
        if held { &mut slice } else { &mut rest }.push(it.example.clone());
    }
    (rest, slice)
}

/// What `train-section` is asked for.
pub struct TrainArgs<'a> {
    /// The news-sections directory.
    pub corpus: &'a Path,
    /// Where the model goes.
    pub out: &'a Path,
    /// Training parameters.
    pub params: Params,
    /// How many held-out slices to score (each trains a model).
    pub folds: usize,
    /// Items per section in a slice.
    pub per: usize,
    /// Only score the held-out slices; write nothing.
    pub dry_run: bool,
    /// Train on dev as well (held-out slices still come from train only);
    /// dev then no longer confirms anything.
    pub with_dev: bool,
}

/// Scores the held-out slices, then trains on all of train and writes the model.
pub fn run_train(args: &TrainArgs) -> Result<()> {
    let items = read_split(&args.corpus.join("train.jsonl"))?;
    let extra: Vec<Example> = if args.with_dev {
        let dev = read_split(&args.corpus.join("dev.jsonl"))?;
        dev.into_iter().map(|it| it.example).collect()
    } else {
        Vec::new()
    };
    eprintln!("{:?}", args.params);
    let mut pooled = Confusion::default();
    for fold in 0..args.folds {
        let (mut rest, slice) = held_out(&items, fold, args.per);
        rest.extend(extra.iter().cloned());
        let (bytes, secs) = timed_train(&rest, &args.params);
        let model = Model::parse(&bytes).context("the new model does not parse")?;
        let c = Confusion::of(&model, &slice);
        println!(
            "held-out slice {fold} ({} items, trained on {} in {secs:.1} s): {}",
            slice.len(),
            rest.len(),
            c.headline()
        );
        pooled.add(&c);
    }
    if args.folds > 1 {
        println!("held-out, {} slices pooled: {}", args.folds, pooled.headline());
    }
    if args.folds > 0 {
        pooled.print();
    }
    if args.dry_run {
        return Ok(());
    }
    let all: Vec<Example> = items.into_iter().map(|it| it.example).chain(extra).collect();
    let (bytes, secs) = timed_train(&all, &args.params);
    std::fs::write(args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "trained on all {} items in {secs:.1} s; wrote {} ({} bytes)",
        all.len(),
        args.out.display(),
        bytes.len()
    );
    Ok(())
}

fn timed_train(examples: &[Example], params: &Params) -> (Vec<u8>, f64) {
    let started = Instant::now();
    let bytes = train::train(examples, params, |epoch, loss| {
        eprintln!("  epoch {epoch}: loss {loss:.4}")
    });
    (bytes, started.elapsed().as_secs_f64())
}

/// Scores the committed model on a split of the corpus and times it.
pub fn run_score(corpus: &Path, split: &str) -> Result<()> {
    let items = read_split(&corpus.join(format!("{split}.jsonl")))?;
    let examples: Vec<Example> = items.into_iter().map(|it| it.example).collect();
    let model = Model::builtin();
    let c = Confusion::of(model, &examples);
    println!("{split}: {}", c.headline());
    c.print();
    let started = Instant::now();
    let rounds = 5;
    for _ in 0..rounds {
        for e in &examples {
            std::hint::black_box(model.classify(&e.title, &e.text));
        }
    }
    let rate = (rounds * examples.len()) as f64 / started.elapsed().as_secs_f64();
    println!("{rate:.0} items/s on one thread");
    Ok(())
}

/// Counts of (gold, guess) pairs.
#[derive(Default)]
struct Confusion {
    counts: [[usize; CLASSES]; CLASSES],
}

impl Confusion {
    fn of(model: &Model, examples: &[Example]) -> Confusion {
        let mut c = Confusion::default();
        for e in examples {
            let guess = model.classify(&e.title, &e.text).section;
            c.counts[e.section.index()][guess.index()] += 1;
        }
        c
    }

    fn add(&mut self, other: &Confusion) {
        for (row, o) in self.counts.iter_mut().zip(&other.counts) {
            row.iter_mut().zip(o).for_each(|(a, b)| *a += b);
        }
    }

    /// Precision, recall and F1 of one class.
    fn prf(&self, c: usize) -> (f64, f64, f64) {
        let tp = self.counts[c][c] as f64;
        let guessed: usize = self.counts.iter().map(|r| r[c]).sum();
        let gold: usize = self.counts[c].iter().sum();
        let (p, r) = (tp / guessed.max(1) as f64, tp / gold.max(1) as f64);
        (p, r, 2.0 * p * r / (p + r).max(f64::MIN_POSITIVE))
    }

    fn headline(&self) -> String {
        let total: usize = self.counts.iter().flatten().sum();
        let right: usize = (0..CLASSES).map(|c| self.counts[c][c]).sum();
        let macro_f1 = (0..CLASSES).map(|c| self.prf(c).2).sum::<f64>() / CLASSES as f64;
        format!(
            "accuracy {:.3}, macro F1 {macro_f1:.3}",
            right as f64 / total.max(1) as f64
        )
    }

    /// Per-section P/R/F1 and the confusion matrix (rows gold, columns guessed).
    fn print(&self) {
        let short: Vec<String> = Section::ALL.iter().map(|s| s.label()[..5].to_string()).collect();
        println!(
            "{:<14} {:>5} {:>5} {:>5}   {}",
            "section",
            "P",
            "R",
            "F1",
            short.join(" ")
        );
        for (c, s) in Section::ALL.iter().enumerate() {
            let (p, r, f) = self.prf(c);
            let row: Vec<String> = self.counts[c].iter().map(|n| format!("{n:>5}")).collect();
            println!("{:<14} {p:>5.3} {r:>5.3} {f:>5.3}   {}", s.label(), row.join(" "));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_out_slices_are_balanced_and_disjoint() {
        let items: Vec<Item> = (0..400)
            .map(|i| Item {
                id: format!("ncd3-{i:06}"),
                example: Example {
                    title: format!("t{i}"),
                    text: String::new(),
                    section: Section::ALL[i % CLASSES],
                },
            })
            .collect();
        let (rest0, s0) = held_out(&items, 0, 5);
        let (_, s1) = held_out(&items, 1, 5);
        assert_eq!((rest0.len(), s0.len()), (360, 40));
        for s in Section::ALL {
            assert_eq!(s0.iter().filter(|e| e.section == s).count(), 5);
        }
        assert!(s0.iter().all(|a| s1.iter().all(|b| a.title != b.title)));
    }
}
