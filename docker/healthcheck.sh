#!/usr/bin/env bash
# The container's HEALTHCHECK: GET /health on the server's port answers 200 once the model is loaded
# (503 while it loads or drains). Plain bash (/dev/tcp), so the runtime image needs no curl.
set -euo pipefail

port="${SPARK_PORT:-8000}"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
read -r -t 5 status_line <&3
[[ $status_line == "HTTP/1."?" 200 "* ]] || {
    echo "unhealthy: ${status_line:-no answer} on port $port" >&2
    exit 1
}
