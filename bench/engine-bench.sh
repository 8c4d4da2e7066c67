#!/usr/bin/env bash
# Benchmark plat's engine at N resources: plan on empty state, apply from empty, no-op plan
# (with and without refresh), plan with one change, destroy; wall time and peak RSS of each,
# plus the state file's size. Shapes: the Terraform kit's `independent`, `chain` and `fanout`
# configurations (../shared/bench/tfbench/gen.py), converted to plat (terraform_data -> plat_data).
#
# Plans (which change nothing) run --runs times (default 5) and report the median wall time and
# the median peak RSS, with the range; apply and destroy run once.
#
# Usage: bench/engine-bench.sh [--sizes 1000,10000] [--shapes independent,chain,fanout] [--runs N] [--no-build]
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
SIZES="1000,10000"
SHAPES="independent,chain,fanout"
BUILD=1
RUNS=5
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) SIZES="$2"; shift 2 ;;
        --shapes) SHAPES="$2"; shift 2 ;;
        --runs) RUNS="$2"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "engine-bench.sh: unknown argument $1" >&2; exit 1 ;;
    esac
done
TFBENCH_DIR="${TFBENCH_DIR:-$ROOT/../shared/bench/tfbench}"
[ -f "$TFBENCH_DIR/gen.py" ] || { echo "engine-bench.sh: no Terraform kit at $TFBENCH_DIR (set TFBENCH_DIR)" >&2; exit 1; }
[ "$BUILD" = 1 ] && { cargo build --release --locked || exit 1; }
PLAT="${PLAT_BIN:-$ROOT/target/release/plat}"
OUT="$ROOT/bench/out/engine"
mkdir -p "$OUT"
STATUS=0

# timed LABEL CMD...: one run; prints "LABEL: wall s, RSS MB"; fails loudly.
timed() {
    local label="$1"; shift
    if ! /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" >"$OUT/last.log" 2>&1; then
        echo "   $label: FAILED: $*" >&2; tail -n 20 "$OUT/last.log" >&2; STATUS=1; return 1
    fi
    awk -v l="$label" '{printf "   %-26s %7.2f s  %7.1f MB\n", l, $1, $2/1024}' "$OUT/time.txt"
}

# repeated LABEL CMD...: RUNS runs of a command that changes nothing; prints the median wall
# time and median peak RSS, with their ranges.
repeated() {
    local label="$1"; shift
    : >"$OUT/runs.txt"
    for _ in $(seq "$RUNS"); do
        if ! /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" >"$OUT/last.log" 2>&1; then
            echo "   $label: FAILED: $*" >&2; tail -n 20 "$OUT/last.log" >&2; STATUS=1; return 1
        fi
        cat "$OUT/time.txt" >>"$OUT/runs.txt"
    done
    python3 - "$label" "$OUT/runs.txt" <<'PY'
import statistics, sys
label, path = sys.argv[1], sys.argv[2]
runs = [tuple(map(float, l.split())) for l in open(path) if l.strip()]
wall = [r[0] for r in runs]; rss = [r[1] / 1024 for r in runs]
print(f"   {label:<26} {statistics.median(wall):7.2f} s  {statistics.median(rss):7.1f} MB"
      f"   (median of {len(runs)}: {min(wall):.2f}-{max(wall):.2f} s, {min(rss):.0f}-{max(rss):.0f} MB)")
PY
}

IFS=',' read -r -a SIZE_LIST <<<"$SIZES"
IFS=',' read -r -a SHAPE_LIST <<<"$SHAPES"
for shape in "${SHAPE_LIST[@]}"; do
    for n in "${SIZE_LIST[@]}"; do
        tf="$OUT/tf-$shape-$n"; stack="$OUT/plat-$shape-$n"; state="$OUT/state-$shape-$n"
        python3 "$TFBENCH_DIR/gen.py" --n "$n" --shape "$shape" --out "$tf" >/dev/null || exit 1
        rm -rf "$stack" "$state"
        (cd "$tf" && find . -name '*.tf') | while read -r f; do
            mkdir -p "$stack/$(dirname "$f")"
            sed -e 's/^terraform {/plat {/' -e 's/required_version = ">= 1.4"/required_version = ">= 0.1"/' \
                -e 's/terraform_data/plat_data/g' "$tf/$f" >"$stack/${f%.tf}.hcl"
        done
        echo "== $shape N=$n"
        args=(--state-dir "$state")
        repeated "plan (empty state)" "$PLAT" plan "$stack" "${args[@]}"
        timed "apply (from empty)" "$PLAT" apply "$stack" "${args[@]}" --auto-approve
        repeated "no-op plan" "$PLAT" plan "$stack" "${args[@]}"
        repeated "no-op plan -refresh=false" "$PLAT" plan "$stack" "${args[@]}" --refresh=false
        repeated "plan, 1 leaf changed" "$PLAT" plan "$stack" "${args[@]}" --var bump_leaf=1
        echo "   state file: $(du -k "$state"/*/default.json | cut -f1) KiB"
        timed "destroy" "$PLAT" destroy "$stack" "${args[@]}" --auto-approve
    done
done
exit "$STATUS"
