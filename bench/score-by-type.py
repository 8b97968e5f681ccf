#!/usr/bin/env python3
"""Scores several extractors' JSONL output side by side, per page type.

Usage: score-by-type.py SCORER_PATH CORPUS_DIR NAME=OUTPUT.jsonl [NAME=OUTPUT.jsonl ...]

SCORER_PATH is the official scorer (score_extract.py); it is imported by path,
and its load_output, score_shingles and score_snippets do all the scoring.
CORPUS_DIR holds ground-truth.json ({id: {articleBody, ...}}) and, when the
corpus has them, page-types.json ({id: type}) and snippets.json
({id: {with: [...], without: [...]}}). Each OUTPUT.jsonl has one line
{"path", "text"} per page, the page id being the file name without .html.gz.

Prints shingle precision, recall and F1 (macro over pages) for all pages and,
with page-types.json, for each type; with snippets.json, one line of snippet
P/R/F1 (pooled over all pages) per extractor. Standard library only.
"""
import importlib.util
import json
import os
import sys


def load_scorer(path):
    spec = importlib.util.spec_from_file_location("score_extract", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main(argv):
    if len(argv) < 4 or any("=" not in a for a in argv[3:]):
        sys.exit(__doc__.strip().splitlines()[2])
    scorer = load_scorer(argv[1])
    corpus = argv[2]
    runs = [a.split("=", 1) for a in argv[3:]]
    outputs = [(name, scorer.load_output(path)) for name, path in runs]

    truth = read_json(os.path.join(corpus, "ground-truth.json"))
    rows = [("all", truth)]
    types_path = os.path.join(corpus, "page-types.json")
    if os.path.exists(types_path):
        by_type = {}
        for pid, kind in read_json(types_path).items():
            if pid in truth:
                by_type.setdefault(kind, {})[pid] = truth[pid]
        rows += sorted(by_type.items())

    for name, out in outputs:
        missing = sum(pid not in out for pid in truth)
        if missing:
            print(f"warning: {name} has no output for {missing} of {len(truth)} pages (scored as empty)",
                  file=sys.stderr)

    label = 15
    cell = "  {:>5} {:>5} {:>5}"  # P R F1, 19 characters
    print(f"{'':{label}} {'':>5}" + "".join(f"  {name:^17.17}" for name, _ in outputs))
    print(f"{'page type':{label}} {'pages':>5}" + cell.format("P", "R", "F1") * len(outputs))
    for kind, sub in rows:
        cells = ""
        for _, out in outputs:
            try:
                p, r, f1, _ = scorer.score_shingles(sub, out)
                cells += cell.format(f"{p:.3f}", f"{r:.3f}", f"{f1:.3f}")
            except ZeroDivisionError:  # the scorer's macro average when no page has any text
                cells += cell.format("n/a", "n/a", "n/a")
        print(f"{kind:{label}} {len(sub):5d}" + cells)

    snippets_path = os.path.join(corpus, "snippets.json")
    if os.path.exists(snippets_path):
        snippets = read_json(snippets_path)
        wanted = sum(len(e["with"]) for e in snippets.values())
        unwanted = sum(len(e["without"]) for e in snippets.values())
        print(f"snippets, all {len(snippets)} pages ({wanted} wanted, {unwanted} unwanted):")
        for name, out in outputs:
            p, r, f1, _ = scorer.score_snippets(snippets, out)
            print(f"  {name:{label}} P {p:.3f}  R {r:.3f}  F1 {f1:.3f}")


if __name__ == "__main__":
    main(sys.argv)
