#!/usr/bin/env bash
# GPU correctness checks beyond the benchmark call: fp16 with the dynamic loss scaler, the hook strategy on a
# tied-embedding model against the block strategy, and gradient accumulation with and without offload.
# Usage: bench/gpu-checks.sh STAGE_DIR OUT_DIR
set -uo pipefail
stage="$1"; out="$2"
[[ -d "$stage/lomo-spark" ]] || sh "$stage/assemble.sh" || exit 1
L="$stage/lomo-spark/bin/lomo-trainer"
cat > "$out/tied-config.json" <<'JSON'
{"model_type": "llama", "vocab_size": 259, "hidden_size": 128, "intermediate_size": 352, "num_hidden_layers": 4,
 "num_attention_heads": 4, "num_key_value_heads": 2, "tie_word_embeddings": true}
JSON
common=(train --init-on cpu --steps 40 --lr 0.05 --log-every 40 --seed 3 --device cuda:0)
"$L" "${common[@]}" --model demo --dtype f16 --metrics "$out/f16.jsonl" | tail -1
"$L" "${common[@]}" --model demo --dtype bf16 --metrics "$out/bf16.jsonl" | tail -1
"$L" "${common[@]}" --model "$out/tied-config.json" --dtype bf16 --strategy block --metrics "$out/tied-block.jsonl" | tail -1
"$L" "${common[@]}" --model "$out/tied-config.json" --dtype bf16 --strategy hook --metrics "$out/tied-hook.jsonl" | tail -1
"$L" "${common[@]}" --model demo --dtype bf16 --micro-batches 2 --metrics "$out/accum.jsonl" | tail -1
"$L" "${common[@]}" --model demo --dtype bf16 --micro-batches 2 --offload true --metrics "$out/accum-offload.jsonl" | tail -1
for pair in "bf16 f16" "tied-block tied-hook" "accum accum-offload"; do
  set -- $pair
  python3 bench/compare_losses.py "$out/$1.jsonl" "$out/$2.jsonl" | python3 -c "import json,sys; d=json.load(sys.stdin); d.pop('curve'); print(json.dumps(d))" | tee -a "$out/checks.jsonl"
done
python3 -c "
import json
rows=[json.loads(l) for l in open('$out/f16.jsonl')]
print(json.dumps({'f16_skipped_steps': sum(r['skipped'] for r in rows), 'f16_final_scale': rows[-1]['loss_scale'], 'f16_first_loss': rows[0]['loss'], 'f16_last_loss': rows[-1]['loss']}))" | tee -a "$out/checks.jsonl"
