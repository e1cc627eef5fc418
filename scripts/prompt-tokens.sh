#!/usr/bin/env bash
# meta.prompt_tokens against the reference libraries: builds small versions of pipelines with
# models (an English and a Chinese fitted LV-Eval split, a fitted needle split, an M4LE split)
# and checks every record's counts with transformers' apply_chat_template, tiktoken and
# tokenizers (scripts/prompt_tokens_check.py), and the fit bands. Uses the virtual environment
# of the tokenizer check; skips, saying so, when it lacks the libraries.
set -uo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/debug/longweave}
data=${DATA:-../shared/data}
venv=.build/venv-tokenizers
if [ ! -d "$data/tokenizers" ]; then
    echo "SKIPPED prompt tokens: no real data in $data"
    exit 0
fi
if ! "$venv/bin/python" -c "import transformers, jinja2, tiktoken, tokenizers, zstandard" 2>/dev/null; then
    "$venv/bin/python" -m pip install --quiet "transformers>=4.45" "jinja2>=3.1" "tiktoken>=0.7" "tokenizers>=0.19" zstandard 2>/dev/null \
        || { echo "SKIPPED prompt tokens: the tokenizer check's environment lacks transformers, tiktoken or tokenizers"; exit 0; }
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A root of its own: raw/ is the real data (as make raw would fill it), pipelines/ the
# repository's (for the data files the pipelines name).
mkdir -p "$work/root" "$work/pipelines"
ln -s "$(cd "$data" && pwd)" "$work/root/raw"
ln -s "$(pwd)/pipelines" "$work/root/pipelines"
for split in hotpotwikiqa_mixup cmrc_mixup factrecall_zh; do
    sed -e 's/levels: \[16k, 32k, 64k, 128k\]/levels: [8k]/' -e 's/levels: \[16k, 32k, 64k\]/levels: [8k]/' \
        -e 's/count: 200/count: 10/' -e 's/zstd_level: 10/zstd_level: 1/' \
        "pipelines/lveval_fit/$split.yaml" > "$work/pipelines/fit_$split.yaml"
done
sed -e 's/per_bucket: 200/per_bucket: 6\n      buckets: [1k, 2k, 4k]/' -e 's/zstd_level: 10/zstd_level: 1/' \
    pipelines/m4le/dureader_semantic_single.yaml > "$work/pipelines/m4le_dureader.yaml"
"$binary" run --quiet --root "$work/root" --out "$work/build" "$work"/pipelines/*.yaml > /dev/null || { echo "prompt tokens: the pipelines did not run"; exit 1; }
exec "$venv/bin/python" scripts/prompt_tokens_check.py "$work/root" "$work/build/lveval_fit/hotpotwikiqa_mixup" "$work/build/lveval_fit/cmrc_mixup" \
    "$work/build/lveval_fit/factrecall_zh" "$work/build/m4le/dureader_semantic_single"
