#!/usr/bin/env bash
# Times newsdesk's extractor against trafilatura (PyPI) and Mozilla's
# Readability.js with jsdom (npm) on the same ScrapingHub pages, each on one
# thread, in one run, and prints pages/s and the speed ratios.
#
# Usage: bench/compare-extract.sh [CORPUS_DIR] [SCRATCH_DIR]
#   CORPUS_DIR  default ../shared/corpora/scrapinghub (relative to the repo root)
#   SCRATCH_DIR where trafilatura and readability are installed; default /tmp/newsdesk-compare
# Every timer covers parsing plus extraction only: all pages are read and
# gunzipped into memory before the clock starts, as in `newsdesk-bench
# extract`. newsdesk and trafilatura report the median of three runs;
# readability.js, at about 20 s a run, one.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="$(cd "${1:-$root/../shared/corpora/scrapinghub}" && pwd)"
scratch="${2:-/tmp/newsdesk-compare}"
mkdir -p "$scratch"

echo "== installing trafilatura and @mozilla/readability + jsdom into $scratch" >&2
[ -x "$scratch/venv/bin/python" ] || python3 -m venv "$scratch/venv"
"$scratch/venv/bin/pip" install -q trafilatura lxml_html_clean >&2
( cd "$scratch" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --silent jsdom @mozilla/readability >&2 )

echo "== building newsdesk-bench (release)" >&2
( cd "$root" && cargo build --release -j 2 -p newsdesk-bench >&2 )
# cargo puts it under CARGO_TARGET_DIR when that is set.
bench="${CARGO_TARGET_DIR:-$root/target}/release/newsdesk-bench"

cat > "$scratch/traf.py" <<'PY'
import gzip, json, pathlib, sys, time
import trafilatura
corpus = pathlib.Path(sys.argv[1])
truth = json.loads((corpus / "ground-truth.json").read_text())
pages = [(gzip.decompress((corpus / "html" / f"{pid}.html.gz").read_bytes()), truth[pid].get("url"))
         for pid in sorted(truth)]
start = time.perf_counter()
for html, url in pages:
    trafilatura.extract(html, url=url)
print(f"{len(pages) / (time.perf_counter() - start):.2f}")
PY

cat > "$scratch/readability.js" <<'JS'
const fs = require("fs"), path = require("path"), zlib = require("zlib");
const { JSDOM, VirtualConsole } = require("jsdom");
const { Readability } = require("@mozilla/readability");
const corpus = process.argv[2];
const truth = JSON.parse(fs.readFileSync(path.join(corpus, "ground-truth.json"), "utf8"));
const quiet = new VirtualConsole();
const pages = Object.keys(truth).sort().map((id) => [
  zlib.gunzipSync(fs.readFileSync(path.join(corpus, "html", id + ".html.gz"))).toString("utf8"),
  truth[id].url,
]);
const start = process.hrtime.bigint();
for (const [html, url] of pages) {
  try {
    const dom = new JSDOM(html, { url, virtualConsole: quiet });
    new Readability(dom.window.document).parse();
    dom.window.close();
  } catch (e) { /* a page readability cannot handle still costs its time */ }
}
console.log((pages.length / (Number(process.hrtime.bigint() - start) / 1e9)).toFixed(2));
JS

# The median of three runs: newsdesk's run takes a tenth of a second, so one
# preemption by another process would move a single run by several percent.
median3() { for _ in 1 2 3; do "$@"; done | sort -g | sed -n 2p; }
ours_once() { "$bench" extract --corpus "$corpus" | awk '/pages\/s/ {print $1; exit}'; }

echo "== timing on $(ls "$corpus"/html/*.html.gz | wc -l) pages" >&2
ours=$(median3 ours_once)
traf=$(median3 "$scratch/venv/bin/python" "$scratch/traf.py" "$corpus")
read_js=$(cd "$scratch" && node readability.js "$corpus")

printf '%-16s %10s pages/s\n' newsdesk "$ours" trafilatura "$traf" readability.js "$read_js"
awk -v o="$ours" -v t="$traf" -v r="$read_js" 'BEGIN {
  printf "newsdesk / trafilatura:    %.1fx\n", o / t
  printf "newsdesk / readability.js: %.1fx\n", o / r
}'
