#!/usr/bin/env bash
# make test-slurm: runs a real pipeline and a real audit as Slurm job arrays of 4 tasks on a
# one-node Slurm started here, compares the merged outputs byte for byte with single-machine
# runs, kills one array task mid-run and shows that resubmitting it alone completes the job,
# and stops the daemons it started. Fails, saying why, when Slurm cannot be set up.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/build/test-slurm
bin=$root/.build/release/longweave
pipeline=pipelines/lveval/hotpotwikiqa_mixup.yaml
output=lveval/hotpotwikiqa_mixup
passed=0
failed=0

fail() { echo "test-slurm: FAIL: $*" >&2; exit 1; }
check() {
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "test-slurm: check failed: $*" >&2; fi
}

[ -x "$bin" ] || fail "$bin is missing: run make release"
rm -rf "$work"
mkdir -p "$work"
scripts/slurm-node.sh start "$work/node" || fail "no Slurm node (see above)"
trap 'scripts/slurm-node.sh stop "$work/node"' EXIT
export SLURM_CONF=$work/node/slurm.conf

# The job ids that `longweave slurm --submit` prints: "array job A (...), merge job M after it".
submit() {
    local said
    said=$("$bin" slurm --submit "$@") || fail "longweave slurm $* failed"
    echo "$said" >&2
    array_job=$(echo "$said" | sed -n 's/^array job \([0-9]*\).*/\1/p')
    merge_job=$(echo "$said" | sed -n 's/.*merge job \([0-9]*\) after it.*/\1/p')
    [ -n "$array_job" ] && [ -n "$merge_job" ] || fail "no job ids in: $said"
}

# Waits until job $1 (all its array tasks) has left the queue; at most $2 seconds.
wait_gone() {
    for _ in $(seq $(( $2 * 5 ))); do
        [ -z "$(squeue -h -j "$1" -o %i 2>/dev/null)" ] && return 0
        sleep 0.2
    done
    fail "job $1 still queued after $2 s: $(squeue -h -j "$1" -o '%i %T %r' 2>/dev/null | tr '\n' ' ')"
}

job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1; }

echo "== pipeline $pipeline: one machine, then an array of 4"
"$bin" run "$pipeline" --out "$work/single" --quiet
submit --tasks 4 --out "$work/array" --scripts "$work/jobs/pipeline" "$pipeline"
wait_gone "$merge_job" 600
check test "$(job_state "$merge_job")" = COMPLETED
check python3 scripts/same-output.py "$work/single/$output" "$work/array/$output"
check test ! -e "$work/array/$output/slices"
check "$bin" verify "$work/array/$output"

echo "== audit: one machine, then an array of 4 sharing JSON Lines files by byte ranges"
audit_args=(--benchmark raw/hotpotqa/hotpot_dev_distractor_v1_100.json --format hotpotqa --fields question,answers,documents
            --reference raw/longbench/hotpotqa.jsonl raw/longbench/2wikimqa.jsonl raw/wiki_paragraphs/2wikimultihopqa_corpus.json
            --reference-field context)
"$bin" audit "${audit_args[@]}" --out "$work/audit-single" >/dev/null
submit --tasks 4 --scripts "$work/jobs/audit" audit "${audit_args[@]}" --out "$work/audit-array"
wait_gone "$merge_job" 600
check test "$(job_state "$merge_job")" = COMPLETED
for name in scores.jsonl report.json report.html; do
    check cmp "$work/audit-single/$name" "$work/audit-array/$name"
done

echo "== a task killed mid-run, resubmitted alone"
submit --tasks 4 --out "$work/killed" --scripts "$work/jobs/killed" "$pipeline"
first_array=$array_job
first_merge=$merge_job
state=""
for _ in $(seq 300); do
    state=$(squeue -h -r -j "${first_array}_0" -o %T 2>/dev/null || true)
    [ "$state" = RUNNING ] && break
    sleep 0.1
done
[ "$state" = RUNNING ] || fail "task 0 never ran (state '$state')"
sleep 1
scancel "${first_array}_0"
wait_gone "$first_array" 600
check test ! -e "$work/killed/$output/slices/0-of-4/done"
check test -e "$work/killed/$output/slices/1-of-4/done"
# The merge job waits on a dependency that can no longer be met.
check test "$(job_state "$first_merge")" = PENDING
scancel "$first_merge"
submit --tasks 4 --only 0 --out "$work/killed" --scripts "$work/jobs/killed" "$pipeline"
wait_gone "$merge_job" 600
check test "$(job_state "$merge_job")" = COMPLETED
check python3 scripts/same-output.py "$work/single/$output" "$work/killed/$output"

echo "test-slurm: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
