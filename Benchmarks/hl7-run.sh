#!/usr/bin/env bash
# HL7 v2 throughput: our parser (HL7v2) and parser + translator (HXTranslate,
# adapters/whh-pas-discharge) against python-hl7 (PyPI `hl7`) parsing the same
# synthetic corpus, in one run on one machine. Each measurement runs ROUNDS
# times, alternating Python and Swift; the median is kept. Prints the figures
# and the ratios to python-hl7 as a Markdown table. Goal: Swift >= 10x python-hl7.
#
#   COUNT (default 20000) ADT^A03 messages in the corpus, SEED (default 2026),
#   ROUNDS (default 3), MIN_SECONDS (default 1: each measurement repeats the
#   corpus until at least this long has passed).
#
# The corpus is generated (Benchmarks/hl7/make_corpus.py) into .build/hl7-bench/,
# which is not committed. Before timing, the run checks that both programs read
# the same values from every message and that every message translates.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
export PKG_CONFIG_PATH="/usr/local/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

COUNT=${COUNT:-20000}
SEED=${SEED:-2026}
ROUNDS=${ROUNDS:-3}
MIN_SECONDS=${MIN_SECONDS:-1}
HL7_VERSION=0.4.5   # python-hl7, the baseline; pinned so that runs compare

if [ "$(python3 -c 'import hl7; print(hl7.__version__)' 2>/dev/null)" != "$HL7_VERSION" ]; then
  echo "installing python-hl7 $HL7_VERSION (PyPI hl7)" >&2
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "hl7==$HL7_VERSION" 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages "hl7==$HL7_VERSION"
fi

echo "building (release)..." >&2
swift build -c release --product hl7-bench >&2
SWIFT=.build/release/hl7-bench
PY=(python3 Benchmarks/hl7/python_hl7_bench.py)

dir=.build/hl7-bench
corpus=$dir/corpus-$COUNT-$SEED.hl7
mkdir -p "$dir"
if [ ! -s "$corpus" ] || [ Benchmarks/hl7/make_corpus.py -nt "$corpus" ]; then
  python3 Benchmarks/hl7/make_corpus.py --count "$COUNT" --seed "$SEED" --out "$corpus"
fi

# Both sides must read the same values, or the comparison means nothing.
"$SWIFT" --dump "$corpus" >"$dir/swift.values"
"${PY[@]}" --dump "$corpus" >"$dir/python.values"
if ! cmp -s "$dir/swift.values" "$dir/python.values"; then
  echo "hl7-run: Swift and python-hl7 read different values (diff $dir/swift.values $dir/python.values)" >&2
  exit 1
fi

declare -A R
measure() { # command...: records the msg/s ($6) of every result line by its name ($1)
  local out name rate
  out=$("$@")
  while read -r name _ _ _ _ rate _ _ failed; do
    [ -n "$name" ] || continue
    if [ "$name" = swift-translate ] && [ "$failed" != 0 ]; then
      echo "hl7-run: $failed messages failed to translate; the corpus must translate cleanly" >&2
      exit 1
    fi
    R[$name]="${R[$name]:-} $rate"
    echo "  $name: $rate msg/s" >&2
  done <<<"$out"
}

for round in $(seq "$ROUNDS"); do
  echo "round $round" >&2
  measure "${PY[@]}" --min-seconds "$MIN_SECONDS" "$corpus"
  measure "$SWIFT" --min-seconds "$MIN_SECONDS" "$corpus"
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m() { echo "${R[$1]}" | tr ' ' '\n' | grep -v '^$' | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }
goal() { awk -v r="$1" 'BEGIN {print (r >= 10 ? "yes" : "no")}'; }

py=$(m python-hl7-parse); sp=$(m swift-parse); st=$(m swift-translate)
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
echo
echo "Command: COUNT=$COUNT SEED=$SEED ROUNDS=$ROUNDS MIN_SECONDS=$MIN_SECONDS bash Benchmarks/hl7-run.sh"
echo "Machine: $(nproc) cores (${cpu:-unknown CPU}); $(swift --version 2>&1 | sed -n 's/.*\(Swift version [0-9.]*\).*/\1/p' | head -n1); Python $(python3 -c 'import platform; print(platform.python_version())'); python-hl7 $(python3 -c 'import hl7; print(hl7.__version__)')."
echo "Corpus: $COUNT ADT^A03 messages, $(wc -c <"$corpus") bytes, seed $SEED; median of $ROUNDS rounds, each at least $MIN_SECONDS s."
echo
echo "| measurement | msg/s | × python-hl7 | goal ≥ 10× |"
echo "|---|---|---|---|"
echo "| python-hl7 \`hl7.parse\` + fields (baseline) | $py | 1.0 | |"
r=$(ratio "$sp" "$py"); echo "| Swift HL7v2 parse + fields | $sp | $r | $(goal "$r") |"
r=$(ratio "$st" "$py"); echo "| Swift HL7v2 parse + \`Translator.translate\` (whh-pas-discharge) | $st | $r | $(goal "$r") |"
