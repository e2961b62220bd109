#!/usr/bin/env bash
# Makes bench/target/ort-venv, the Python the llm and rtn-speed benches use for ONNX Runtime's own quantizer:
# onnxruntime, onnx, onnx-ir and numpy (and torch, which its HQQ quantizer runs on), from the configured package index.
#   bench/python/setup-venv.sh [PYTHON]     (default python3)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/bench/target/ort-venv"
"${1:-python3}" -m venv "$venv"
"$venv/bin/pip" install --quiet onnxruntime onnx onnx-ir numpy
"$venv/bin/pip" install --quiet torch || echo "torch not installed: the HQQ rows will fail" >&2
"$venv/bin/python" "$root/bench/python/ort_matmulnbits.py" --versions
