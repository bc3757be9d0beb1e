#!/usr/bin/env bash
# libFuzzer targets (DEVELOPERS.md "Fuzzing").
#
#   scripts/fuzz.sh TARGET [SECONDS]    build TARGET and fuzz it for SECONDS (default 60)
#   scripts/fuzz.sh all [SECONDS]       every target, one after the other
#   scripts/fuzz.sh build TARGET        build only
#   scripts/fuzz.sh run TARGET FILE...  run inputs once (reproduce a crash)
#
# TARGET is one of: hl7 fhir csv agreement canonical.
#
# The package's own build is not involved: the modules a target needs are
# compiled here with swiftc (Yams and its C part with clang) into
# .build/fuzz, instrumented with -sanitize=fuzzer,address, so the
# instrumentation never reaches `swift build` and the harnesses cannot break
# it. swift-crypto alone is taken from the package's debug build, not
# instrumented: BoringSSL takes minutes to compile and is not what we fuzz. Each run starts from Fuzz/corpus/TARGET (committed seeds, only read) and
# a fresh work corpus in .build/fuzz/work/TARGET; a crashing input is written
# to .build/fuzz/crashes/TARGET/ and the script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${FUZZ_DIR:-$ROOT/.build/fuzz}
TARGETS="hl7 fhir csv agreement canonical"

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# Modules each target links, in dependency order.
modules_for() {
    case $1 in
        hl7) echo "HL7v2" ;;
        fhir | csv) echo "CYaml Yams HXConfigFile Crypto HXCanonical HL7v2 HXTranslate" ;;
        agreement) echo "CYaml Yams HXConfigFile Crypto HXCanonical HXPlace" ;;
        canonical) echo "Crypto HXCanonical" ;;
        *) echo "unknown target '$1' (expected one of: $TARGETS)" >&2; exit 2 ;;
    esac
}

# The harness files of a target.
harness_for() {
    case $1 in
        fhir | csv) echo "$ROOT/Fuzz/$1.swift $ROOT/Fuzz/Support/TranslatorCheck.swift" ;;
        *) echo "$ROOT/Fuzz/$1.swift" ;;
    esac
}

yams_dir() {
    local d=$ROOT/.build/checkouts/Yams
    if [[ ! -d $d/Sources/Yams ]]; then
        echo "fuzz: resolving packages for Yams" >&2
        swift package resolve >&2
    fi
    echo "$d"
}

# True when $1 is missing or older than any of the remaining files.
stale() {
    local target=$1; shift
    [[ -e $target ]] || return 0
    [[ -n $(find "$@" -newer "$target" -print -quit) ]]
}

SAN=(-sanitize=fuzzer,address)
# Our modules declare their API `package`: the harnesses must be of the same package.
PACKAGE=one_halton_exchange

# $1: module; the rest: stamps of the modules it may import. A module is
# rebuilt when its sources or one of those changed.
build_module() {
    local m=$1 lib=$OUT/lib; shift
    local deps=("$@")
    mkdir -p "$lib"
    case $m in
        CYaml)
            local src; src=$(yams_dir)/Sources/CYaml
            if stale "$lib/CYaml.stamp" "$src"; then
                echo "fuzz: building CYaml" >&2
                rm -rf "$lib/CYaml.obj" && mkdir -p "$lib/CYaml.obj"
                for c in "$src"/src/*.c; do
                    clang -c -O2 -fsanitize=fuzzer-no-link,address -DYAML_DECLARE_STATIC \
                        -I "$src/include" "$c" -o "$lib/CYaml.obj/$(basename "$c" .c).o"
                done
                rm -f "$lib/CYaml.a" && ar rcs "$lib/CYaml.a" "$lib"/CYaml.obj/*.o
                touch "$lib/CYaml.stamp"
            fi
            ;;
        Yams)
            local src; src=$(yams_dir)/Sources
            if stale "$lib/Yams.stamp" "$src" "${deps[@]}"; then
                echo "fuzz: building Yams" >&2
                # SWIFT_PACKAGE: Yams imports CYaml only when built as a package.
                swiftc -module-name Yams -parse-as-library -O -wmo -swift-version 5 -D SWIFT_PACKAGE "${SAN[@]}" \
                    -I "$src/CYaml/include" -Xcc -DYAML_DECLARE_STATIC \
                    -emit-module -emit-module-path "$lib/Yams.swiftmodule" \
                    -c -o "$lib/Yams.o" "$src"/Yams/*.swift
                touch "$lib/Yams.stamp"
            fi
            ;;
        Crypto)
            if [[ ! -s $lib/Crypto.objects ]]; then
                echo "fuzz: building swift-crypto (swift build --target Crypto)" >&2
                swift build --target Crypto >&2
                local bin; bin=$(swift build --show-bin-path)
                # Only its own modules in the search path: SwiftPM's HXCanonical must not shadow ours.
                rm -rf "$lib/crypto-modules" && mkdir -p "$lib/crypto-modules"
                ln -s "$bin"/Modules/Crypto.swiftmodule "$bin"/Modules/CryptoBoringWrapper.swiftmodule "$lib/crypto-modules/"
                find "$bin"/CCryptoBoringSSL.build "$bin"/CCryptoBoringSSLShims.build "$bin"/CryptoBoringWrapper.build \
                    "$bin"/Crypto.build -name '*.o' > "$lib/Crypto.objects"
                touch "$lib/Crypto.stamp"
            fi
            ;;
        *)
            local src=$ROOT/Sources/$m
            if stale "$lib/$m.stamp" "$src" "${deps[@]}"; then
                echo "fuzz: building $m" >&2
                swiftc -module-name "$m" -package-name "$PACKAGE" -parse-as-library -O -wmo -swift-version 6 -warnings-as-errors "${SAN[@]}" \
                    -I "$lib" -I "$lib/crypto-modules" -I "$(yams_dir)/Sources/CYaml/include" \
                    -emit-module -emit-module-path "$lib/$m.swiftmodule" \
                    -c -o "$lib/$m.o" "$src"/*.swift
                touch "$lib/$m.stamp"
            fi
            ;;
    esac
}

build_target() {
    local t=$1 mods objs=() stamps=() harness
    mods=$(modules_for "$t")
    read -r -a harness <<< "$(harness_for "$t")"
    for m in $mods; do
        build_module "$m" ${stamps[@]+"${stamps[@]}"}
        stamps+=("$OUT/lib/$m.stamp")
        case $m in
            CYaml) objs+=("$OUT/lib/CYaml.a") ;;
            Crypto) mapfile -t -O "${#objs[@]}" objs < "$OUT/lib/Crypto.objects" ;;
            *) objs+=("$OUT/lib/$m.o") ;;
        esac
    done
    mkdir -p "$OUT/bin"
    if stale "$OUT/bin/fuzz-$t" "${harness[@]}" "${stamps[@]}"; then
        echo "fuzz: linking fuzz-$t" >&2
        swiftc -module-name "Fuzz_$t" -package-name "$PACKAGE" -parse-as-library -O -swift-version 6 -warnings-as-errors "${SAN[@]}" \
            -I "$OUT/lib" -I "$OUT/lib/crypto-modules" -I "$(yams_dir)/Sources/CYaml/include" \
            "${harness[@]}" "${objs[@]}" -use-ld=lld -o "$OUT/bin/fuzz-$t"
    fi
}

run_target() {
    local t=$1 seconds=$2
    build_target "$t"
    local work=$OUT/work/$t crashes=$OUT/crashes/$t
    rm -rf "$work" && mkdir -p "$work" "$crashes"
    # Earlier crashes stay; this run's are the ones newer than this mark.
    touch "$work/.started"
    echo "fuzz: $t for ${seconds}s (seeds: Fuzz/corpus/$t, work corpus: $work, crashes: $crashes/)" >&2
    local extra=() status=0
    # FoundationXML leaks on every XML parse error (Fuzz/lsan.supp); the leak check
    # libFuzzer then runs after each such input cut fhir from ~950 to ~45 runs/s.
    if [[ $t == fhir ]]; then extra+=(-detect_leaks=0); fi
    # New inputs go to the first corpus directory only, so the seeds stay as committed.
    # The harnesses find config/ and adapters/ through HX_FUZZ_ROOT; Swift's own crash
    # handler is off because it trips ASan, and libFuzzer reports the crash anyway.
    LSAN_OPTIONS=suppressions=$ROOT/Fuzz/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS} \
        SWIFT_BACKTRACE=enable=no HX_FUZZ_ROOT=$ROOT "$OUT/bin/fuzz-$t" "$work" "$ROOT/Fuzz/corpus/$t" \
        -max_total_time="$seconds" -max_len="${FUZZ_MAX_LEN:-16384}" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$crashes/" -print_final_stats=1 ${extra[@]+"${extra[@]}"} ${FUZZ_ARGS:-} 2> >(tee "$OUT/$t.log" >&2) || status=$?
    wait
    grep -h "DONE" "$OUT/$t.log" | tail -1 | sed "s/^/fuzz: $t: /" >&2 || true
    if [[ $status -ne 0 ]]; then
        echo "fuzz: $t FAILED (exit $status); this run's input(s):" >&2
        find "$crashes" -type f -newer "$work/.started" >&2
        echo "fuzz: reproduce with: scripts/fuzz.sh run $t $crashes/<file>" >&2
    fi
    return $status
}

[[ $# -ge 1 ]] || usage
case $1 in
    build)
        [[ $# -eq 2 ]] || usage
        build_target "$2"
        ;;
    run)
        [[ $# -ge 3 ]] || usage
        t=$2; shift 2
        build_target "$t"
        LSAN_OPTIONS=suppressions=$ROOT/Fuzz/lsan.supp:print_suppressions=0 SWIFT_BACKTRACE=enable=no HX_FUZZ_ROOT=$ROOT "$OUT/bin/fuzz-$t" "$@"
        ;;
    all)
        failed=()
        for t in $TARGETS; do run_target "$t" "${2:-60}" || failed+=("$t"); done
        if [[ ${#failed[@]} -gt 0 ]]; then echo "fuzz: failed: ${failed[*]}" >&2; exit 1; fi
        ;;
    -h | --help) usage ;;
    *)
        [[ $# -le 2 ]] || usage
        run_target "$1" "${2:-60}"
        ;;
esac
