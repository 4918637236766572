# Shared by scripts/demo and scripts/bench: start and stop a local rclone serve s3.
# shellcheck shell=bash

SLIPWAY_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SLIPWAY_TOOLS=${SLIPWAY_TOOLS_DIR:-$SLIPWAY_REPO/target/tools}
export AWS_ACCESS_KEY_ID=slipwaylocal AWS_SECRET_ACCESS_KEY=slipwaylocalsecret AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_s3 ROOT BUCKET...: starts rclone serve s3 on 127.0.0.1 with ROOT/BUCKET folders as
# buckets; sets S3_ENDPOINT and S3_PID. Stop it with stop_s3.
start_s3() {
  local root=$1; shift
  local b
  for b in "$@"; do mkdir -p "$root/data/$b"; done
  local port
  port=$(free_port)
  RCLONE_CONFIG="$root/rclone.conf" "$SLIPWAY_TOOLS/venv/bin/rclone" serve s3 \
    --addr "127.0.0.1:$port" --auth-key "$AWS_ACCESS_KEY_ID,$AWS_SECRET_ACCESS_KEY" \
    --log-level ERROR "$root/data" >"$root/rclone.log" 2>&1 &
  S3_PID=$!
  S3_ENDPOINT="http://127.0.0.1:$port"
  local i
  for i in $(seq 1 100); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then
      return 0
    fi
    kill -0 "$S3_PID" 2>/dev/null || break
    python3 -c 'import time; time.sleep(0.1)'
  done
  echo "rclone serve s3 did not start; its log:" >&2
  cat "$root/rclone.log" >&2
  return 1
}

stop_s3() {
  if [ -n "${S3_PID:-}" ] && kill -0 "$S3_PID" 2>/dev/null; then
    kill "$S3_PID" 2>/dev/null || true
    wait "$S3_PID" 2>/dev/null || true
  fi
  S3_PID=""
}
