#!/bin/sh
# What the README's first command runs (mvn -B -DskipTests -Pdemo verify, from the repository root)
# once the distribution is built; $1 is its bin/tokenreduce. Three benches, each writing report.md,
# results.json and charts:
#   target/report/                  every method and level on the built-in defaults (random CLIP,
#                                   random BLIP, all-MiniLM-L6-v2 on Cranfield), float32 and auto
#                                   (bfloat16 where the CPU has it);
#   target/report-onnxruntime/      CLIP's reduced graphs in ONNX Runtime, float32 and int8;
#   target/report-onnxruntime-text/ all-MiniLM-L6-v2 with CrossGET keep 0.8 the same way.
set -e
tokenreduce="$1"
"$tokenreduce" bench --rounds 5 --out target/report --data ../shared/data
"$tokenreduce" bench random-clip --engines pytorch,onnxruntime --methods tome,crossget --levels 16 \
    --precisions int8 --rounds 3 --out target/report-onnxruntime
"$tokenreduce" bench all-minilm-l6-v2 --engines pytorch,onnxruntime --methods crossget --levels 0.8 \
    --precisions int8 --rounds 3 --data ../shared/data --out target/report-onnxruntime-text
