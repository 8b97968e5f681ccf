#!/usr/bin/env bash
# Times newsdesk's extractor against trafilatura (PyPI) and Mozilla's
# Readability.js with jsdom (npm) on the same ScrapingHub pages, each on one
# thread, in one run, and prints pages/s and the speed ratios.
#
# Usage: bench/compare-extract.sh [CORPUS_DIR] [SCRATCH_DIR]
#   CORPUS_DIR  default ../shared/corpora/scrapinghub (relative to the repo root)
#   SCRATCH_DIR where trafilatura and readability are installed; default /tmp/newsdesk-compare
# Every timer covers parsing plus extraction only: reading and gunzipping the
# files happens before the clock starts, as in `newsdesk bench extract`.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="$(cd "${1:-$root/../shared/corpora/scrapinghub}" && pwd)"
scratch="${2:-/tmp/newsdesk-compare}"
mkdir -p "$scratch"

echo "== installing trafilatura and @mozilla/readability + jsdom into $scratch" >&2
[ -x "$scratch/venv/bin/python" ] || python3 -m venv "$scratch/venv"
"$scratch/venv/bin/pip" install -q trafilatura lxml_html_clean >&2
( cd "$scratch" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --silent jsdom @mozilla/readability >&2 )

echo "== building newsdesk (release)" >&2
( cd "$root" && cargo build --release -j 2 -p newsdesk >&2 )

cat > "$scratch/traf.py" <<'PY'
import gzip, json, pathlib, sys, time
import trafilatura
corpus = pathlib.Path(sys.argv[1])
truth = json.loads((corpus / "ground-truth.json").read_text())
elapsed = 0.0
for pid in sorted(truth):
    html = gzip.decompress((corpus / "html" / f"{pid}.html.gz").read_bytes())
    start = time.perf_counter()
    trafilatura.extract(html, url=truth[pid].get("url"))
    elapsed += time.perf_counter() - start
print(f"{len(truth) / elapsed:.2f}")
PY

cat > "$scratch/readability.js" <<'JS'
const fs = require("fs"), path = require("path"), zlib = require("zlib");
const { JSDOM, VirtualConsole } = require("jsdom");
const { Readability } = require("@mozilla/readability");
const corpus = process.argv[2];
const truth = JSON.parse(fs.readFileSync(path.join(corpus, "ground-truth.json"), "utf8"));
const quiet = new VirtualConsole();
let elapsed = 0n, n = 0;
for (const id of Object.keys(truth).sort()) {
  const html = zlib.gunzipSync(fs.readFileSync(path.join(corpus, "html", id + ".html.gz"))).toString("utf8");
  const start = process.hrtime.bigint();
  try {
    const dom = new JSDOM(html, { url: truth[id].url, virtualConsole: quiet });
    new Readability(dom.window.document).parse();
    dom.window.close();
  } catch (e) { /* a page readability cannot handle still costs its time */ }
  elapsed += process.hrtime.bigint() - start;
  n++;
}
console.log((n / (Number(elapsed) / 1e9)).toFixed(2));
JS

echo "== timing on $(ls "$corpus"/html/*.html.gz | wc -l) pages" >&2
ours=$("$root/target/release/newsdesk" bench extract --corpus "$corpus" | awk '/pages\/s/ {print $1; exit}')
traf=$("$scratch/venv/bin/python" "$scratch/traf.py" "$corpus")
read_js=$(cd "$scratch" && node readability.js "$corpus")

printf '%-16s %10s pages/s\n' newsdesk "$ours" trafilatura "$traf" readability.js "$read_js"
awk -v o="$ours" -v t="$traf" -v r="$read_js" 'BEGIN {
  printf "newsdesk / trafilatura:    %.1fx\n", o / t
  printf "newsdesk / readability.js: %.1fx\n", o / r
}'
