#!/usr/bin/env bash
# Idempotent set-up on a fresh Debian machine: Fashion-MNIST (Debian package), .venv, pinned deps.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! ls /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte* >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian's dataset-fashion-mnist" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null
  else
    echo "setup: Fashion-MNIST missing; run as root: apt-get install -y dataset-fashion-mnist" >&2
    exit 2
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
stamp=.venv/.memgan-bench-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing memgan-bench and its pinned dependencies into .venv (first time: ~3 min)" >&2
  # pip's own error is the message: no filter, no fallback; the stamp is written only after every import works.
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
  .venv/bin/python -c "import memgan_bench, methods, scenarios, reports, torch, torch_fidelity, avalanche, tensorboard"
  echo "$want" > "$stamp"
fi
