#!/usr/bin/env bash
# LV-Eval's metric on what longweave builds, with OpenCompass's own LV-Eval evaluators
# (scripts/lveval_scoring.py): gold answers must score >= 99, a sentence of another passage <= 3.
#   lveval-scoring.sh BINARY            builds every pipeline of pipelines/lveval/ at level 16k
#                                       (20 needle depths), verifies and scores it (make test);
#   lveval-scoring.sh BINARY BUILD_DIR [EXPORT_DIR]  scores BUILD_DIR (build/lveval: make datasets,
#                                       every level) and reads EXPORT_DIR/lveval and EXPORT_DIR/hf
#                                       as LV-Eval and OpenCompass read them (scripts/export_check.py).
# OpenCompass (without its model dependencies), jieba and rouge are installed from PyPI into a
# virtual environment under .build/; skips, saying so, when that cannot be done.
set -uo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/debug/longweave}
built=${2:-}
data=${DATA:-../shared/data}
venv=.build/venv-lveval

if ! command -v python3 >/dev/null; then
    echo "SKIPPED lveval scoring: python3 not found"
    exit 0
fi
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || { echo "SKIPPED lveval scoring: python3 -m venv failed"; exit 0; }
fi
if ! "$venv/bin/python" -c "import jieba, rouge, zstandard, importlib.util as u; assert u.find_spec('opencompass')" 2>/dev/null; then
    { "$venv/bin/python" -m pip install --quiet --no-deps "opencompass==0.5.4" \
        && "$venv/bin/python" -m pip install --quiet jieba rouge zstandard; } \
        || { echo "SKIPPED lveval scoring: pip could not install opencompass, jieba, rouge and zstandard"; exit 0; }
fi
# The exports are read with Hugging Face datasets and OpenCompass's LV-Eval loaders.
exports=yes
if ! "$venv/bin/python" -c "import datasets" 2>/dev/null; then
    "$venv/bin/python" -m pip install --quiet "datasets>=2.12" 2>/dev/null \
        || { echo "SKIPPED export check: pip could not install datasets"; exports=no; }
fi

# export_check LVEVAL_EXPORT HF_EXPORT: the exports read as LV-Eval and OpenCompass read them.
export_check() {
    [ "$exports" = yes ] || return 0
    "$venv/bin/python" scripts/export_check.py "$1" "$2" 2>/dev/null | tail -1
    return "${PIPESTATUS[0]}"
}

if [ -n "$built" ]; then
    status=0
    "$venv/bin/python" scripts/lveval_scoring.py "$built" 2>/dev/null || status=1
    # make datasets passes the export folder as the third argument.
    if [ -n "${3:-}" ]; then export_check "$3/lveval" "$3/hf" || status=1; fi
    exit $status
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$(cd "$data" && pwd)" "$work/raw"
mkdir -p "$work/pipelines/lveval"
cp -r pipelines/lveval/factrecall pipelines/lveval/multifieldqa "$work/pipelines/lveval/"
for file in pipelines/lveval/*.yaml; do
    sed -e 's/levels: \[.*\]/levels: [16k]/' -e 's/count: 200/count: 20/' -e 's/zstd_level: 10/zstd_level: 1/' \
        "$file" > "$work/$file"
done
status=0
(cd "$work" && "$OLDPWD/$binary" run --quiet --out "$work/build" pipelines/lveval/*.yaml) || exit 1
for dir in "$work"/build/lveval/*/; do
    "$binary" verify "$dir" >/dev/null || { echo "FAIL verify ${dir#$work/}"; status=1; }
done
"$venv/bin/python" scripts/lveval_scoring.py "$work/build/lveval" 2>/dev/null || status=1
"$binary" export --to lveval "$work/build/lveval" "$work/export/lveval" >/dev/null || status=1
"$binary" export --to hf "$work/build/lveval" "$work/export/hf" >/dev/null || status=1
export_check "$work/export/lveval" "$work/export/hf" || status=1
exit $status
