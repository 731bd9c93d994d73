#!/usr/bin/env bash
# ActorCdc build script. Verbs: build | test | demo | bench <name> | profile [--rows N] [--variant postgres|blackhole] [--gc] | clean
# Installs what it needs when missing (PostgreSQL 15 from Debian packages); needs only the .NET SDK beforehand.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
CONFIG=${CONFIGURATION:-Release}
PG_BIN=/usr/lib/postgresql/15/bin
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_postgres() {
  local need=()
  [ -x "$PG_BIN/initdb" ] || need+=(postgresql-15)
  [ -x "$PG_BIN/psql" ] && [ -x "$PG_BIN/pg_recvlogical" ] || need+=(postgresql-client-15)
  command -v runuser >/dev/null || need+=(util-linux)
  if [ ${#need[@]} -gt 0 ]; then
    echo "==> installing ${need[*]} (Debian packages)"
    apt_install "${need[@]}"
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
}

# s3rver (npm) is the S3-compatible server the checkpoint tests and the snapshot-upload benchmark start themselves.
ensure_s3rver() {
  local need=()
  command -v node >/dev/null || need+=(nodejs)
  command -v npm >/dev/null || need+=(npm)
  if [ ${#need[@]} -gt 0 ]; then
    echo "==> installing ${need[*]} (Debian packages)"
    apt_install "${need[@]}"
  fi
  if [ ! -f tests/tools/node_modules/s3rver/bin/s3rver.js ]; then
    echo "==> npm ci --prefix tests/tools (s3rver)"
    npm ci --prefix tests/tools --no-audit --no-fund >/dev/null
  fi
}

# dotnet-trace (a dotnet tool from NuGet) in artifacts/tools, for ./build.sh profile.
TRACE_TOOL="$ROOT/artifacts/tools/dotnet-trace"
ensure_dotnet_trace() {
  if [ ! -x "$TRACE_TOOL" ]; then
    echo "==> dotnet tool install dotnet-trace --tool-path artifacts/tools"
    dotnet tool install dotnet-trace --tool-path "$ROOT/artifacts/tools" >/dev/null
  fi
}

# Runs the streaming benchmark with one variant's child process under dotnet-trace (docs/profiling.md).
profile() {
  local rows=200000 variant=postgres profiles="dotnet-common,dotnet-sampled-thread-time"
  while [ $# -gt 0 ]; do
    case "$1" in
      --rows) rows=$2; shift 2 ;;
      --variant) variant=$2; shift 2 ;;
      --gc) profiles="$profiles,gc-verbose"; shift ;;
      *) echo "usage: ./build.sh profile [--rows N] [--variant postgres|blackhole] [--gc]" >&2; exit 2 ;;
    esac
  done
  ensure_postgres; ensure_dotnet_trace; build
  local out="$ROOT/artifacts/profile/streaming-$variant"
  mkdir -p "$ROOT/artifacts/profile"
  rm -f "$out.nettrace" "$out.speedscope.json"
  ACTORCDC_TRACE_TOOL="$TRACE_TOOL" ACTORCDC_TRACE_OUT="$out" ACTORCDC_TRACE_VARIANT="$variant" ACTORCDC_TRACE_PROFILES="$profiles" \
    dotnet run --project tests/ActorCdc.Benchmarks -c "$CONFIG" --no-build -- streaming --rows "$rows"
  echo "==> top methods by time on the stack (dotnet-trace report topN)"
  "$TRACE_TOOL" report "$out.nettrace" topN -n 15 2>/dev/null || true
  rm -f "$out.nettrace.etlx"
  if command -v python3 >/dev/null; then
    echo "==> the same samples without waiting threads (scripts/speedscope-top.py)"
    python3 scripts/speedscope-top.py "$out.speedscope.json" 15 || true
  fi
  echo
  echo "CPU profile: $out.nettrace"
  echo "flame graph: $out.speedscope.json — open it at https://www.speedscope.app (drag the file in) or in an offline"
  echo "             speedscope (npm install -g speedscope; speedscope $out.speedscope.json); see docs/profiling.md"
}

build() {
  echo "==> dotnet build ($CONFIG)"
  dotnet build ActorCdc.sln -c "$CONFIG" -warnaserror -nologo -v q -clp:NoSummary
}

run_tests() {
  ensure_postgres
  ensure_s3rver
  build
  echo "==> dotnet test"
  local log; log=$(mktemp)
  local rc=0
  # Test assemblies run one after another: each starts its own PostgreSQL servers and the machine has 2 cores.
  dotnet test ActorCdc.sln -c "$CONFIG" --no-build -nologo -m:1 --logger "console;verbosity=normal" \
      ${ACTORCDC_TEST_FILTER:+--filter "$ACTORCDC_TEST_FILTER"} 2>&1 | tee "$log" || rc=$?
  # One closing line over all assemblies, in the plain form CI reads; from the console logger's per-assembly
  # summaries ("     Passed: 11", "     Failed: 1", "    Skipped: 0").
  # Failed tests again, each with the start of its error message, after the (long) logs a failing test prints: the
  # tail of the output then names what failed.
  awk '/^[ \t]+Failed [A-Za-z_]/ { if (!shown++) print "==> failed tests"; on = 1; k = 0 }
       on && /^[ \t]+(Stack Trace|Standard Output Messages):/ { on = 0 }
       on && k++ < 12 { print }' "$log"
  awk '/^[ \t]+(Passed|Failed|Skipped):[ \t]*[0-9]+[ \t]*$/ { n[$1] += $2 }
       END { printf "Tests: %d passed, %d failed, %d skipped\n", n["Passed:"], n["Failed:"], n["Skipped:"] }' "$log"
  rm -f "$log"
  return $rc
}

case "${1:-build}" in
  build) build ;;
  test) run_tests ;;
  demo) ensure_postgres; build; exec bash "$ROOT/scripts/demo.sh" "$CONFIG" ;;
  bench) shift; ensure_postgres; ensure_s3rver; build
         dotnet run --project tests/ActorCdc.Benchmarks -c "$CONFIG" --no-build -- "$@" ;;
  profile) shift; profile "$@" ;;
  clean) rm -rf artifacts; dotnet clean ActorCdc.sln -v q ;;
  *) echo "usage: ./build.sh [build|test|demo|bench <name>|profile [--rows N] [--variant V] [--gc]|clean]" >&2; exit 2 ;;
esac
