#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# fuzz/run.sh: build the libFuzzer harnesses with clang (AddressSanitizer and
# UndefinedBehaviorSanitizer) and run each for FUZZ_SECONDS (default 60).
# Called by `make fuzz`, which passes the build's flags:
#   make fuzz FUZZ_SECONDS=1800 [FUZZ_TARGETS="config control speech_req daylog"]
# The corpus grows in $BUILDDIR/fuzz/build/corpus/NAME (seeded from tests/data,
# config/ and fuzz/seeds); a crash leaves its input in $BUILDDIR/fuzz/build/ as
# crash-*, and the run exits 1. One summary line per harness: executions per
# second and coverage (libFuzzer's "cov" edges and "ft" features).
# FUZZ_COVERAGE=1: then also the source coverage (llvm-cov: lines and
# branches) that each harness's corpus reaches in the files it is about.
# FUZZ_CORPUS_DIR=DIR: corpora in DIR/NAME instead of the build's.
set -eu
: "${TOP_SRCDIR:?}" "${BUILDDIR:?}"
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_TARGETS=${FUZZ_TARGETS:-config control speech_req daylog}
CC=${FUZZ_CC:-clang}
NICE=${FUZZ_NICE:-}
out=$BUILDDIR/fuzz/build
obj=$out/obj

command -v "$CC" >/dev/null || {
	echo "fuzz: $CC not found (./bootstrap.sh installs clang)" >&2; exit 1; }

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
CFLAGS="-g -O1 -std=c11 $SAN $DEFS -I$TOP_SRCDIR/src -I$BUILDDIR/src $DEP_CFLAGS"
mkdir -p "$obj"

# The program's sources, instrumented for coverage (fuzzer-no-link); only
# what changed is rebuilt.
srcs=$(ls "$TOP_SRCDIR"/src/*/*.c | grep -v -e '/main\.c$' -e '/default_config\.c$')
srcs="$srcs $BUILDDIR/src/coach/default_config.c"
objs=
for s in $srcs; do
	o=$obj/$(basename "$s" .c).o
	objs="$objs $o"
	if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || \
	   [ -n "$(find "$TOP_SRCDIR/src" -name '*.h' -newer "$o" 2>/dev/null | head -1)" ]; then
		echo "  CC (fuzz) $(basename "$s")"
		# shellcheck disable=SC2086
		$CC $CFLAGS -fsanitize=fuzzer-no-link -c "$s" -o "$o"
	fi
done

# Seeds: every config fixture, the sample config, control requests, and
# speech requests written by the speech harness built as a seed writer.
mkdir -p "$out/seeds/config" "$out/seeds/speech_req"
cp "$TOP_SRCDIR"/tests/data/*.ini "$TOP_SRCDIR"/config/backcoach.ini "$out/seeds/config/"
# shellcheck disable=SC2086
$CC $CFLAGS -fsanitize=fuzzer-no-link -DFUZZ_SEEDS "$TOP_SRCDIR/fuzz/fuzz_speech_req.c" \
	$objs $DEP_LIBS -o "$out/mkseeds"
ASAN_OPTIONS=detect_leaks=0 "$out/mkseeds" "$out/seeds/speech_req"

status=0
summary=
for t in $FUZZ_TARGETS; do
	# shellcheck disable=SC2086
	$CC $CFLAGS -fsanitize=fuzzer "$TOP_SRCDIR/fuzz/fuzz_$t.c" $objs $DEP_LIBS \
		-o "$out/fuzz_$t"
	case $t in
	config) seeds="$out/seeds/config"; dict="-dict=$TOP_SRCDIR/fuzz/config.dict" ;;
	control) seeds="$TOP_SRCDIR/fuzz/seeds/control"; dict= ;;
	speech_req) seeds="$out/seeds/speech_req"; dict= ;;
	# stats warns of every skipped line: its stderr closed (libFuzzer's
	# and the sanitizers' reports still come).
	daylog) seeds="$TOP_SRCDIR/fuzz/seeds/daylog"
		dict="-dict=$TOP_SRCDIR/fuzz/daylog.dict -close_fd_mask=2" ;;
	*) echo "fuzz: no harness $t" >&2; exit 1 ;;
	esac
	corpus=${FUZZ_CORPUS_DIR:-$out/corpus}/$t
	mkdir -p "$corpus"
	echo "== fuzz_$t for ${FUZZ_SECONDS}s"
	log=$out/fuzz_$t.log
	# -timeout: an input taking longer is a finding (a hang), as is one
	# needing more than 2 GB. Leaks are findings too.
	# shellcheck disable=SC2086
	if ! (cd "$out" && BACKCOACH_VOICE_PATH="$TOP_SRCDIR/voices" \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		$NICE "./fuzz_$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
		-rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$out/crash-$t-" $dict \
		"$corpus" "$seeds") >"$log" 2>&1; then
		status=1
		echo "fuzz_$t: FAILED; see $log and $out/crash-$t-*" >&2
		grep -E "ERROR|SUMMARY|runtime error" "$log" | head -5 >&2
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1)
	line="fuzz_$t: ${FUZZ_SECONDS}s, ${execs:-?} runs, ${rate:-?} exec/s, $cov"
	echo "$line"
	summary="$summary$line
"
done
printf '== fuzz summary\n%s' "$summary"

# Source coverage of the corpora: the harnesses rebuilt with clang's
# coverage mapping, each run once over its corpus and seeds.
if [ "${FUZZ_COVERAGE:-}" = 1 ]; then
	cov=$out/cov
	mkdir -p "$cov"
	COVFLAGS="-g -O0 -std=c11 $DEFS -I$TOP_SRCDIR/src -I$BUILDDIR/src $DEP_CFLAGS \
		-fprofile-instr-generate -fcoverage-mapping"
	for t in $FUZZ_TARGETS; do
		case $t in
		# The files a harness is about, or (funcs) the functions in them.
		config) files="coach/config.c coach/routine.c" funcs= seeds="$out/seeds/config" ;;
		control) files="daemon/control_server.c" funcs="control_parse"
			seeds="$TOP_SRCDIR/fuzz/seeds/control" ;;
		speech_req) files="speech/speech_worker.c" funcs="speech_req|name_ok"
			seeds="$out/seeds/speech_req" ;;
		daylog) files="coach/statelog.c" funcs= seeds="$TOP_SRCDIR/fuzz/seeds/daylog" ;;
		esac
		# shellcheck disable=SC2086
		$CC $COVFLAGS -fsanitize=fuzzer "$TOP_SRCDIR/fuzz/fuzz_$t.c" $srcs $DEP_LIBS \
			-o "$cov/fuzz_$t"
		(cd "$cov" && BACKCOACH_VOICE_PATH="$TOP_SRCDIR/voices" \
			LLVM_PROFILE_FILE="$cov/$t.profraw" "./fuzz_$t" -runs=0 \
			"${FUZZ_CORPUS_DIR:-$out/corpus}/$t" "$seeds" >"$cov/$t.log" 2>&1)
		llvm-profdata merge -sparse "$cov/$t.profraw" -o "$cov/$t.profdata"
		echo "== source coverage of fuzz_$t's corpus"
		# shellcheck disable=SC2046
		llvm-cov report "$cov/fuzz_$t" -instr-profile="$cov/$t.profdata" \
			${funcs:+-show-functions} \
			$(for f in $files; do echo "$TOP_SRCDIR/src/$f"; done) |
			grep -E "${funcs:+^(Name|([a-z_/]+\.c:)?($funcs))}" |
			sed "s|$TOP_SRCDIR/src/||" | awk '{ print "  " $0 }'
	done
fi
exit $status
