#!/usr/bin/env bash
# Builds and runs one libFuzzer target of Fuzz/ (see docs/fuzzing.md).
#
#   scripts/fuzz.sh TARGET [SECONDS] [LIBFUZZER FLAGS...]
#   scripts/fuzz.sh all SECONDS           every target in turn
#   scripts/fuzz.sh build                 build the targets only
#
# TARGET: policy, sigv4, chunked or endpoint. SECONDS defaults to 600.
# Seeds come from Fuzz/corpus/TARGET (read only); the inputs libFuzzer keeps go to
# Fuzz/artifacts/TARGET/corpus, crashes, timeouts and out-of-memory inputs to
# Fuzz/artifacts/TARGET/, the run's log to Fuzz/artifacts/TARGET/fuzz-0.log.
# FUZZ_SANITIZE=fuzzer,address builds with AddressSanitizer too (own build folder).
# Exit status: 0 when the run ended with no crash, hang or out-of-memory input.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
fuzz="$root/Fuzz"
sanitize=${FUZZ_SANITIZE:-fuzzer}
scratch="$fuzz/.build"
[ "$sanitize" = fuzzer ] || scratch="$fuzz/.build-${sanitize//,/-}"
targets=(policy sigv4 chunked endpoint)

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

product() {
    case "$1" in
        policy) echo FuzzPolicy ;;
        sigv4) echo FuzzSigV4 ;;
        chunked) echo FuzzChunked ;;
        endpoint) echo FuzzEndpoint ;;
        *) echo "unknown target: $1" >&2; usage ;;
    esac
}

build() {
    local args=(-c release --package-path "$fuzz" --scratch-path "$scratch"
        -Xswiftc "-sanitize=$sanitize" -Xswiftc -parse-as-library -Xswiftc -enable-testing)
    if [ $# -gt 0 ]; then args+=(--product "$1"); fi
    swift build "${args[@]}"
}

run() {
    local target=$1 seconds=$2
    shift 2
    local name out
    name=$(product "$target")
    build "$name"
    out="$fuzz/artifacts/$target"
    mkdir -p "$out/corpus"
    local flags=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -jobs=1 -workers=1
        -print_final_stats=1 -artifact_prefix="$out/")
    # Signed encodings need more than one full 8192-byte chunk.
    [ "$target" = chunked ] && flags+=(-max_len=20000)
    local before
    before=$(find "$out" -maxdepth 1 \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
    echo "== $target: $seconds s, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    # With -jobs the run's output goes to fuzz-0.log in the current folder.
    rm -f "$out/fuzz-0.log"
    # Swift's own backtracer would take the crash signal before libFuzzer saves the input.
    (cd "$out" && SWIFT_BACKTRACE=enable=no "$scratch/release/$name" "${flags[@]}" "$@" "$out/corpus" "$fuzz/corpus/$target") >/dev/null 2>&1 || true
    grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::|^==[0-9]+== ERROR|^SUMMARY|Fatal error|^artifact_prefix|Test unit written' "$out/fuzz-0.log" || true
    local after
    after=$(find "$out" -maxdepth 1 \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
    if [ "$after" -gt "$before" ] || ! grep -q 'DONE' "$out/fuzz-0.log"; then
        echo "== $target: FAILED (see $out/fuzz-0.log)"
        return 1
    fi
    echo "== $target: no crash"
}

[ $# -ge 1 ] || usage
case "$1" in
    build) build ;;
    all)
        status=0
        for t in "${targets[@]}"; do run "$t" "${2:-600}" || status=1; done
        exit $status
        ;;
    -h|--help) usage ;;
    *)
        target=$1
        seconds=${2:-600}
        shift $(( $# >= 2 ? 2 : 1 ))
        run "$target" "$seconds" "$@"
        ;;
esac
