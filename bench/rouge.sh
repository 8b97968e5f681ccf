#!/bin/sh
# Scores a predictions file with rouge-score from PyPI (stemming on).
# Usage: bench/rouge.sh PREDICTIONS.jsonl
# (written by `cargo run --release -p newsdesk-bench -- summary`).
# The scratch venv lives in target/ (never committed).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/../target/rouge-venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet rouge-score==0.1.2
fi
"$venv/bin/python" "$here/rouge.py" "$1"
