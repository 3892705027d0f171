#!/bin/sh
# A longer differential-fuzzing campaign of the two execution engines:
#
#   tests/fuzz_engines/campaign.sh [CASES] [SEED]
#
# runs CASES cases in all (default 50000), in batches of $BATCH (default
# 2500) with seeds SEED, SEED+1, ... (default 1000), rotating through the
# configurations below, and reports the totals. Every failing case is
# listed with the command that reproduces it; add --minimize to shrink it.
#
# Environment: ENGINE_FUZZ (the binary; default build/tests/fuzz_engines/
# engine_fuzz), JOBS (cases run at a time, default 1), BATCH, LOGDIR (the
# batch logs; default a new directory under ${TMPDIR:-/tmp}).
set -eu

CASES=${1:-50000}
SEED=${2:-1000}
BATCH=${BATCH:-2500}
JOBS=${JOBS:-1}
here=$(cd "$(dirname "$0")" && pwd)
FUZZ=${ENGINE_FUZZ:-$here/../../build/tests/fuzz_engines/engine_fuzz}
if [ ! -x "$FUZZ" ]; then
    echo "campaign: $FUZZ not found (build it: cmake --build build --target engine_fuzz, or set ENGINE_FUZZ)" >&2
    exit 2
fi
# --timing's configurations: the clock follows this cost model.
PROFILE=$here/../../experiments/cost_models/mips64-in-order.json
LOGDIR=${LOGDIR:-$(mktemp -d "${TMPDIR:-/tmp}/engine-fuzz-campaign.XXXXXX")}
mkdir -p "$LOGDIR"

# Configurations, one per batch in turn: the bare-metal board (most of the
# campaign), a code cache small enough to be flushed every few blocks, and
# the hypervisor's execution modes (both engines in the same mode), and
# clocks that follow a cost model (--timing).
CONFIGS="bare-metal
bare-metal
bare-metal --code-cache 49152
bare-metal
trap
1:n
bare-metal
on-demand
1:1
trap --timing $PROFILE
bare-metal --timing $PROFILE"
NCONFIGS=$(printf '%s\n' "$CONFIGS" | wc -l)

passed=0
failed=0
done_cases=0
batch=0
start=$(date +%s)
: > "$LOGDIR/failures.txt"
while [ "$done_cases" -lt "$CASES" ]; do
    n=$BATCH
    [ $((CASES - done_cases)) -lt "$n" ] && n=$((CASES - done_cases))
    seed=$((SEED + batch))
    config=$(printf '%s\n' "$CONFIGS" | sed -n "$((batch % NCONFIGS + 1))p")
    mode=${config%% *}
    extra=""
    [ "$mode" != "$config" ] && extra=${config#* }
    log="$LOGDIR/seed-$seed.log"
    # shellcheck disable=SC2086  # $extra holds options
    "$FUZZ" --seed "$seed" --cases "$n" --mode "$mode" $extra --jobs "$JOBS" --max-reports 3 > "$log" 2>/dev/null || true
    last=$(tail -n 1 "$log")
    p=$(printf '%s\n' "$last" | sed -n 's/^engine_fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
    f=$(printf '%s\n' "$last" | sed -n 's/^engine_fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
    if [ -z "$p" ]; then
        echo "campaign: seed $seed ($config): no summary line (see $log)"
        p=0
        f=$n
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    done_cases=$((done_cases + n))
    echo "campaign: seed $seed, $n cases, mode $config: $p passed, $f failed"
    grep '^engine_fuzz: MISMATCH seed=' "$log" | sed "s|\$| [--mode $config]|" >> "$LOGDIR/failures.txt" || true
    batch=$((batch + 1))
done

elapsed=$(( $(date +%s) - start ))
echo "campaign: $done_cases cases in ${elapsed} s, logs in $LOGDIR"
if [ "$failed" -gt 0 ]; then
    echo "campaign: failing cases (reproduce with engine_fuzz --seed S --case K [--mode M ...] --minimize):"
    sed 's/^engine_fuzz: /  /' "$LOGDIR/failures.txt"
fi
echo "engine_fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
