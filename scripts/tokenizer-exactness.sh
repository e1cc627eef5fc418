#!/usr/bin/env bash
# Token ids against the reference libraries (tiktoken, Hugging Face tokenizers), and chat
# templates against transformers' apply_chat_template, the libraries installed
# from PyPI into a virtual environment under .build/. Skips, saying so, when Python or
# PyPI is not available.
set -uo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/debug/longweave}
data=${DATA:-../shared/data}
venv=.build/venv-tokenizers

if ! command -v python3 >/dev/null; then
    echo "SKIPPED tokenizer exactness: python3 not found"
    exit 0
fi
if [ ! -d "$data/tokenizers" ]; then
    echo "SKIPPED tokenizer exactness: no tokenizer files in $data/tokenizers"
    exit 0
fi
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || { echo "SKIPPED tokenizer exactness: python3 -m venv failed"; exit 0; }
fi
if ! "$venv/bin/python" -c "import tiktoken, tokenizers" 2>/dev/null; then
    "$venv/bin/python" -m pip install --quiet "tiktoken>=0.7" "tokenizers>=0.19" \
        || { echo "SKIPPED tokenizer exactness: pip could not install tiktoken and tokenizers"; exit 0; }
fi
"$venv/bin/python" scripts/tokenizer_exactness.py "$binary" "$data" || exit 1
# Chat templates against transformers' apply_chat_template (which needs jinja2).
if ! "$venv/bin/python" -c "import transformers, jinja2" 2>/dev/null; then
    "$venv/bin/python" -m pip install --quiet "transformers>=4.45" "jinja2>=3.1" \
        || { echo "SKIPPED chat templates: pip could not install transformers and jinja2"; exit 0; }
fi
exec "$venv/bin/python" scripts/chat_template_check.py "$binary" "$data"
