#!/usr/bin/env bash
# Compares newsdesk's extractor with trafilatura (PyPI), rs-trafilatura (the
# crates.io Rust port of trafilatura, run by bench/rs-trafilatura/) and, for
# speed only, Mozilla's Readability.js with jsdom (npm), in one run.
#
# Usage: bench/compare-extract.sh [CORPUS_DIR] [SCRATCH_DIR]
#   CORPUS_DIR  the ScrapingHub corpus; default ../shared/corpora/scrapinghub
#               (relative to the repo root)
#   SCRATCH_DIR where trafilatura and readability are installed and outputs
#               are written; default /tmp/newsdesk-compare
# Environment:
#   WCXB_DIR          the WCXB dev corpus; default ../shared/corpora/wcxb-dev
#   SCORER            the official scorer; default ../shared/scorers/score_extract.py
#   CARGO_TARGET_DIR  honoured as cargo does; CARGO_BUILD_JOBS (default 2) is
#                     passed to cargo as -j
#
# Quality: each extractor writes one JSON line {"path","text"} per page of
# WCXB (html/ID.html.gz, ground-truth.json, page-types.json, snippets.json)
# and of ScrapingHub; bench/score-by-type.py scores them with the official
# scorer: shingle P/R/F1 overall and per page type, snippet P/R/F1 over all
# pages (WCXB only; ScrapingHub has neither types nor snippets). newsdesk is
# `newsdesk extract FILES...` without --url; trafilatura is extract(html_bytes,
# url=the page's url) with its defaults; rs-trafilatura is
# extract_bytes(html) with its defaults. A page an extractor raises or panics
# on counts as empty text.
#
# Speed, on the ScrapingHub pages, each extractor on one thread:
# - in memory: all pages are read and gunzipped (newsdesk and rs-trafilatura:
#   also decoded to UTF-8) before the clock starts, and the timer covers
#   parsing plus extraction only, as in `newsdesk-bench extract`. newsdesk,
#   trafilatura and rs-trafilatura report the median of three runs;
#   readability.js, at about 20 s a run, one.
# - whole process: `newsdesk extract` on the gzipped files, pinned to CPU 0
#   with taskset, timed from exec to exit (start-up, read, gunzip, decode,
#   extract, JSON to /dev/null), median of three runs, set against the
#   in-memory figures above; and its peak RSS (max resident set, from
#   /usr/bin/time, else from getrusage in Python) in a fourth run.
# - by CPU time (issue #12's measure, steadier than wall time on a loaded
#   machine), where perf is installed: `newsdesk extract` as above, the
#   task-clock of `perf stat -r 5`, alternated with trafilatura's in-memory
#   run timed by time.process_time(), both pinned; median of three rounds.
set -euo pipefail
export LC_ALL=C

root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="$(cd "${1:-$root/../shared/corpora/scrapinghub}" && pwd)"
scratch="${2:-/tmp/newsdesk-compare}"
wcxb="$(cd "${WCXB_DIR:-$root/../shared/corpora/wcxb-dev}" && pwd)"
scorer="${SCORER:-$root/../shared/scorers/score_extract.py}"
[ -f "$scorer" ] || { echo "no scorer at $scorer" >&2; exit 1; }
mkdir -p "$scratch"
scratch="$(cd "$scratch" && pwd)"

echo "== installing trafilatura and @mozilla/readability + jsdom into $scratch" >&2
[ -x "$scratch/venv/bin/python" ] || python3 -m venv "$scratch/venv"
"$scratch/venv/bin/pip" install -q trafilatura lxml_html_clean >&2
( cd "$scratch" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --silent jsdom @mozilla/readability >&2 )

jobs="${CARGO_BUILD_JOBS:-2}"
# cargo puts binaries under CARGO_TARGET_DIR when that is set; the harness,
# a workspace of its own, is built into the same directory.
target="${CARGO_TARGET_DIR:-$root/target}"
echo "== building newsdesk, newsdesk-bench and the rs-trafilatura harness (release)" >&2
( cd "$root" && cargo build --release -j "$jobs" -p newsdesk -p newsdesk-bench >&2 )
cargo build --release -j "$jobs" --locked --manifest-path "$root/bench/rs-trafilatura/Cargo.toml" \
  --target-dir "$target" >&2
newsdesk="$target/release/newsdesk"
bench="$target/release/newsdesk-bench"
rs_traf="$target/release/rs-trafilatura-harness"

# traf.py CORPUS OUT.jsonl: times trafilatura.extract on every page held in
# memory (prints pages/s, then the CPU milliseconds it took), then writes the
# texts as JSONL.
cat > "$scratch/traf.py" <<'PY'
import gzip, json, pathlib, sys, time
import trafilatura
corpus, out_path = pathlib.Path(sys.argv[1]), sys.argv[2]
truth = json.loads((corpus / "ground-truth.json").read_text())
paths = [corpus / "html" / f"{pid}.html.gz" for pid in sorted(truth)]
pages = [(gzip.decompress(p.read_bytes()), truth[p.name[:-len(".html.gz")]].get("url")) for p in paths]
texts = []
start, cpu_start = time.perf_counter(), time.process_time()
for html, url in pages:
    try:
        texts.append(trafilatura.extract(html, url=url) or "")
    except Exception:  # a page trafilatura raises on counts as empty text
        texts.append("")
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
with open(out_path, "w", encoding="utf-8") as out:
    for p, text in zip(paths, texts):
        out.write(json.dumps({"path": str(p), "text": text}) + "\n")
print(f"{len(pages) / elapsed:.2f}")
print(f"{cpu * 1000:.1f}")
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

# ---- quality ----------------------------------------------------------------

# extract_all NAME CORPUS: writes $scratch/NAME-EXTRACTOR.jsonl for the three.
extract_all() {
  local name="$1" dir="$2"
  local files=("$dir"/html/*.html.gz)
  echo "== extracting $name (${#files[@]} pages): newsdesk, rs-trafilatura, trafilatura" >&2
  "$newsdesk" extract "${files[@]}" > "$scratch/$name-newsdesk.jsonl"
  "$rs_traf" "${files[@]}" > "$scratch/$name-rs-trafilatura.jsonl"
  "$scratch/venv/bin/python" "$scratch/traf.py" "$dir" "$scratch/$name-trafilatura.jsonl" >/dev/null
}
score() {
  local name="$1" dir="$2"
  python3 "$root/bench/score-by-type.py" "$scorer" "$dir" \
    newsdesk="$scratch/$name-newsdesk.jsonl" \
    trafilatura="$scratch/$name-trafilatura.jsonl" \
    rs-trafilatura="$scratch/$name-rs-trafilatura.jsonl"
}
extract_all wcxb "$wcxb"
extract_all scrapinghub "$corpus"

echo "== quality: WCXB dev ($wcxb), shingle P/R/F1 by page type"
score wcxb "$wcxb"
echo
echo "== quality: ScrapingHub ($corpus), shingle P/R/F1"
score scrapinghub "$corpus"
echo

# ---- speed ------------------------------------------------------------------

# The median of three runs: newsdesk's run takes a tenth of a second, so one
# preemption by another process would move a single run by several percent.
median3() { for _ in 1 2 3; do "$@"; done | sort -g | sed -n 2p; }
ours_once() { "$bench" extract --corpus "$corpus" | awk '/pages\/s/ && !n++ {print $1}'; }
rs_traf_once() { "$rs_traf" --time "$corpus"/html/*.html.gz | awk '/pages\/s/ && !n++ {print $1}'; }
traf_once() { "$scratch/venv/bin/python" "$scratch/traf.py" "$corpus" "$scratch/scrapinghub-trafilatura.jsonl" | sed -n 1p; }

files=("$corpus"/html/*.html.gz)
pin=()
if command -v taskset >/dev/null; then pin=(taskset -c 0); else echo "no taskset: the whole-process run is not pinned" >&2; fi
# Seconds from exec to exit of one `newsdesk extract` over every file
# ($EPOCHREALTIME needs no fork, so the clock brackets the process alone).
whole_once() {
  local start=$EPOCHREALTIME
  "${pin[@]}" "$newsdesk" extract "${files[@]}" >/dev/null
  awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.4f\n", e - s }'
}
# Peak RSS in KiB of one more such run.
peak_rss() {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M -o "$scratch/rss" "${pin[@]}" "$newsdesk" extract "${files[@]}" >/dev/null
    tail -n 1 "$scratch/rss"
  else
    python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "${pin[@]}" "$newsdesk" extract "${files[@]}"
  fi
}

echo "== timing on ${#files[@]} pages" >&2
ours=$(median3 ours_once)
traf=$(median3 traf_once)
rs=$(median3 rs_traf_once)
read_js=$(cd "$scratch" && node readability.js "$corpus")
whole_secs=$(median3 whole_once)
rss_kib=$(peak_rss)
whole=$(awk -v n="${#files[@]}" -v s="$whole_secs" 'BEGIN { printf "%.2f", n / s }')

echo "== speed: ScrapingHub, ${#files[@]} pages, one thread"
echo "in memory (parse + extract; median of 3, readability.js 1 run):"
printf '  %-16s %10s pages/s\n' newsdesk "$ours" trafilatura "$traf" rs-trafilatura "$rs" readability.js "$read_js"
awk -v o="$ours" -v t="$traf" -v s="$rs" -v r="$read_js" 'BEGIN {
  printf "  newsdesk / trafilatura:    %.1fx\n", o / t
  printf "  newsdesk / rs-trafilatura: %.1fx\n", o / s
  printf "  newsdesk / readability.js: %.1fx\n", o / r
}'
echo "whole process (newsdesk extract on the .html.gz files, ${pin[*]:-unpinned}, median of 3):"
printf '  %-16s %10s pages/s  (%s s for %d pages), peak RSS %.1f MiB\n' \
  newsdesk "$whole" "$whole_secs" "${#files[@]}" "$(awk -v k="$rss_kib" 'BEGIN { print k / 1024 }')"
awk -v w="$whole" -v t="$traf" -v s="$rs" 'BEGIN {
  printf "  newsdesk whole process / trafilatura in memory:    %.1fx\n", w / t
  printf "  newsdesk whole process / rs-trafilatura in memory: %.1fx\n", w / s
}'

command -v perf >/dev/null || { echo "no perf: no CPU-time comparison" >&2; exit 0; }
# Milliseconds of CPU: one `newsdesk extract` round (perf stat -r 5), then
# one trafilatura round, three times over, so both see the same load.
for _ in 1 2 3; do
  perf stat -x, -r 5 -e task-clock "${pin[@]}" "$newsdesk" extract "${files[@]}" 2>&1 >/dev/null |
    awk -F, '/task-clock/ {print "newsdesk", $1}'
  "${pin[@]}" "$scratch/venv/bin/python" "$scratch/traf.py" "$corpus" "$scratch/scrapinghub-trafilatura.jsonl" |
    sed -n '2s/^/trafilatura /p'
done > "$scratch/cpu-rounds"
cpu_median() { awk -v n="$1" '$1 == n {print $2}' "$scratch/cpu-rounds" | sort -g | sed -n 2p; }
ours_cpu=$(cpu_median newsdesk)
traf_cpu=$(cpu_median trafilatura)
echo "by CPU time (${pin[*]:-unpinned}, median of 3 alternated rounds; load average $(cut -d' ' -f1-3 /proc/loadavg)):"
printf '  %-16s %10s ms  whole process, %d pages\n' newsdesk "$ours_cpu" "${#files[@]}"
printf '  %-16s %10s ms  extract() in memory\n' trafilatura "$traf_cpu"
awk -v o="$ours_cpu" -v t="$traf_cpu" 'BEGIN { printf "  trafilatura / newsdesk:    %.1fx\n", t / o }'
