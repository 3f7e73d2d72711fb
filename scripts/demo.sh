#!/usr/bin/env bash
# The main job, end to end on a laptop with no account and no network:
#   install the kit, render a plugin, run its own tests, validate and test it with its samples,
#   run its pipeline over a generated dataset, then publish it to the embedded local registry
#   and list it. Everything lands under .demo/ (safe to delete).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
cd "$ROOT"

DEMO="$ROOT/.demo"
NAME="${DEMO_PLUGIN:-review_sentiment}"
CATEGORY="${DEMO_CATEGORY:-text}"
ROWS="${DEMO_ROWS:-100000}"
PLUGIN="$DEMO/$NAME"
rm -rf "$DEMO"
mkdir -p "$DEMO"

step() { printf '\n==> %s\n' "$*"; }

step "mixpeek plugin init $NAME --category $CATEGORY"
mixpeek plugin init "$NAME" --category "$CATEGORY" --author "Demo" -o "$DEMO"

step "the plugin's own tests (plain pytest inside the plugin)"
(cd "$PLUGIN" && python -m pytest -q -p no:cacheprovider)

step "mixpeek plugin validate"
mixpeek plugin validate --path "$PLUGIN"

step "mixpeek plugin test --sample-data samples/sample.json"
mixpeek plugin test --path "$PLUGIN" --sample-data "$PLUGIN/samples/sample.json"

step "generate $ROWS rows of text and run the pipeline over them"
python - "$DEMO/reviews.jsonl" "$ROWS" <<'PY'
import json, random, sys
path, rows = sys.argv[1], int(sys.argv[2])
words = "good great bad awful fine love hate okay superb terrible product service".split()
rng = random.Random(7)
with open(path, "w", encoding="utf-8") as out:
    for i in range(rows):
        text = " ".join(rng.choice(words) for _ in range(8))
        out.write(json.dumps({"id": i, "text": text, "metadata": {"source": "demo"}}) + "\n")
PY
mixpeek plugin run --path "$PLUGIN" --input "$DEMO/reviews.jsonl" --output "$DEMO/reviews.out.parquet"

step "start the local registry (API + S3 endpoint on loopback)"
PORT="$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export MIXPEEK_NAMESPACE=ns_demo
export MIXPEEK_API_KEY="$(mixpeek registry add-key --namespace "$MIXPEEK_NAMESPACE" --data-dir "$DEMO/registry" | tail -n 1)"
export MIXPEEK_BASE_URL="http://127.0.0.1:$PORT"
mixpeek registry serve --port "$PORT" --data-dir "$DEMO/registry" > "$DEMO/registry.log" 2>&1 &
REGISTRY_PID=$!
trap 'kill $REGISTRY_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if python -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1] + '/health', timeout=1)" "$MIXPEEK_BASE_URL" 2>/dev/null; then break; fi
  kill -0 "$REGISTRY_PID" 2>/dev/null || { cat "$DEMO/registry.log"; exit 3; }
  sleep 0.2
done
echo "registry at $MIXPEEK_BASE_URL (log: $DEMO/registry.log)"

step "mixpeek plugin publish --dry-run, then for real"
mixpeek plugin publish --path "$PLUGIN" --dry-run
mixpeek plugin publish --path "$PLUGIN" --yes

step "mixpeek plugin list --source custom"
mixpeek plugin list --source custom

printf '\nDone: plugin %s rendered, tested, run over %s rows and published to the local registry.\n' "$NAME" "$ROWS"
