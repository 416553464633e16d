#!/usr/bin/env bash
# Synthesizes the default voice prompts from prompts/catalogue.tsv with
# espeak-ng and converts them with sox to what the SIP stack plays: WAV,
# 8 kHz, mono, 16-bit. The files land in prompts/wav/LANG/NAME.wav (build
# outputs, git-ignored) and are embedded into the binary. Runs again only when
# the catalogue or this script changed.
set -euo pipefail
cd "$(dirname "$0")/.."

cat=prompts/catalogue.tsv
out=prompts/wav
stamp=$out/.stamp
if [ -f "$stamp" ] && [ "$stamp" -nt "$cat" ] && [ "$stamp" -nt "$0" ]; then
  exit 0
fi
for tool in espeak-ng sox; do
  command -v "$tool" >/dev/null || { echo "prompts: $tool is missing; run scripts/deps.sh" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Group the catalogue's rows by language and prompt, keeping their order.
declare -A segs
order=()
n=0
while IFS=$'\t' read -r lang name voice text; do
  [[ -z "$lang" || "$lang" == \#* ]] && continue
  key="$lang/$name"
  n=$((n + 1))
  seg="$tmp/seg$n.wav"
  espeak-ng -v "$voice" -s 150 -w "$seg" -- "$text"
  if [ -z "${segs[$key]:-}" ]; then order+=("$key"); fi
  segs[$key]="${segs[$key]:-} $seg"
done < "$cat"

for key in "${order[@]}"; do
  mkdir -p "$out/$(dirname "$key")"
  # Each segment gets a short pause after it, so a menu's languages don't run together.
  parts=()
  for seg in ${segs[$key]}; do
    sox "$seg" -r 8000 -c 1 -b 16 "$seg.8k.wav" pad 0 0.3
    parts+=("$seg.8k.wav")
  done
  sox "${parts[@]}" -r 8000 -c 1 -b 16 "$tmp/joined.wav"
  mv "$tmp/joined.wav" "$out/$key.wav"
done

# Hold audio: a quiet four-note phrase and a rest, looped while a caller waits.
notes=()
i=0
for f in 523.25 659.25 783.99 659.25; do
  i=$((i + 1))
  sox -n -r 8000 -c 1 -b 16 "$tmp/note$i.wav" synth 0.45 sine "$f" fade q 0.02 0.45 0.15 vol 0.25
  notes+=("$tmp/note$i.wav")
done
sox -n -r 8000 -c 1 -b 16 "$tmp/rest.wav" trim 0 1.2
mkdir -p "$out/ko"
sox "${notes[@]}" "$tmp/rest.wav" "$out/ko/hold.wav"

touch "$stamp"
echo "prompts: wrote $(find "$out" -name '*.wav' | wc -l) prompts to $out"
