#!/usr/bin/env bash
# The tour as its users run it: every scenario caught, exit 0, the output
# directory made; and its verdicts come from the children's real behaviour:
# with halt_on_report=1 every deliberate bug aborts its child instead of
# exiting 66, so the tour must say so and exit 1.
set -uo pipefail
tour=$1
out=$TEST_TMPDIR/graphs

"$tour" --out="$out" >"$TEST_TMPDIR/ok.txt" 2>&1
status=$?
if [[ $status -ne 0 ]]; then
  tail -40 "$TEST_TMPDIR/ok.txt"
  echo "FAIL: the tour exited $status"
  exit 1
fi
grep -q "scenarios behaved as expected" "$TEST_TMPDIR/ok.txt" || {
  echo "FAIL: no summary line"; exit 1; }
if grep -q "  NO: " "$TEST_TMPDIR/ok.txt"; then
  echo "FAIL: a scenario was not caught"; exit 1
fi
# Kinds whose title phrase is a fragment are named in words, and a long
# list of expected reports wraps instead of widening the whole table.
grep -q -- "--> expected: kernel BUG (BUG_ON); caught" "$TEST_TMPDIR/ok.txt" || {
  echo "FAIL: the BUG_ON scenario's expectation is not named"; exit 1; }
if awk 'length($0) > 120 && /^[a-z_0-9]+ +[a-z]/' "$TEST_TMPDIR/ok.txt" | grep -q .; then
  echo "FAIL: a summary row is wider than 120 columns"; exit 1
fi
[[ -d $out ]] || { echo "FAIL: --out=$out was not created"; exit 1; }
grep -q "$out/<scenario>.pb" "$TEST_TMPDIR/ok.txt" || {
  echo "FAIL: the tour does not say where the graphs go"; exit 1; }
# The clean runs' graphs, as files and as pictures.
for f in "$out/ipw_correct.pb" "$out/ipw_correct.svg" "$out/dma_buf_sharing.pb" \
         "$out/tour.svg"; do
  [[ -s $f ]] || { echo "FAIL: $f was not written"; exit 1; }
done
grep -q "<svg" "$out/tour.svg" || { echo "FAIL: tour.svg is no SVG"; exit 1; }
# A reported cycle, drawn and explorable, and the tour says where.
for f in "$out/abba.svg" "$out/abba.html"; do
  [[ -s $f ]] || { echo "FAIL: $f (the reported cycle's picture) was not written"; exit 1; }
  grep -q "^  abba .*$f" "$TEST_TMPDIR/ok.txt" || {
    echo "FAIL: the tour does not print where $f is"; exit 1; }
done
grep -q 'stroke="red"' "$out/abba.svg" || { echo "FAIL: abba.svg has no red cycle"; exit 1; }
grep -q 'id="graph-data"' "$out/abba.html" || { echo "FAIL: abba.html has no graph"; exit 1; }

LOCKDEP_OPTIONS=halt_on_report=1 "$tour" --out="$out" \
  >"$TEST_TMPDIR/halt.txt" 2>&1
status=$?
if [[ $status -ne 1 ]]; then
  echo "FAIL: with halt_on_report=1 the tour exited $status, want 1"
  exit 1
fi
grep -q "^abba .*NO: .*crashed" "$TEST_TMPDIR/halt.txt" || {
  grep "^abba" "$TEST_TMPDIR/halt.txt"
  echo "FAIL: an aborted child was not reported as such"; exit 1; }
echo "PASS"
