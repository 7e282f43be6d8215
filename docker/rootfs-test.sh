#!/usr/bin/env bash
# The image's runtime stage without a Docker engine: a bookworm root file system from debootstrap
# (minbase, close to debian:bookworm-slim), the Dockerfile's runtime steps run in it by chroot (the
# packages of docker/runtime-packages.txt, user 10001, the files docker/build.sh lays out), then the
# entrypoint as user 10001 on the image's default model: the health check must pass, a reward request
# must be answered, and SIGTERM must drain to exit 0. It downloads about 60 MB from Debian and takes
# a minute or two, so CI does not run it; run it after changing the runtime packages or the scripts.
#
# usage: docker/rootfs-test.sh    (as root; installs debootstrap if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "rootfs-test: run as root (debootstrap and chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }

rootfs="$(mktemp -d)"
server=""
cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -KILL "$server"; fi
    umount "$rootfs/proc" 2>/dev/null || true
    rm -rf "$rootfs"
}
trap cleanup EXIT

echo "rootfs-test: debootstrap bookworm (minbase) into $rootfs" >&2
debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
bash docker/build.sh
# The Dockerfile's runtime stage, step by step.
cp docker/runtime-packages.txt "$rootfs/tmp/runtime-packages.txt"
chroot "$rootfs" /bin/bash -c '
    apt-get update -qq
    xargs --arg-file=/tmp/runtime-packages.txt apt-get install -y -qq --no-install-recommends >/dev/null 2>&1
    rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt
    useradd --system --uid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin spark 2>/dev/null'
cp -a .build/image/. "$rootfs/"
mount -t proc proc "$rootfs/proc"

port=18765
chroot --userspec=10001:10001 "$rootfs" /usr/bin/env -i SPARK_HOST=127.0.0.1 SPARK_PORT="$port" \
    SPARK_API_KEY=rootfs-test-key PATH=/usr/local/bin:/usr/bin:/bin spark-entrypoint >"$rootfs/tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
    chroot "$rootfs" /usr/bin/env SPARK_PORT="$port" spark-healthcheck 2>/dev/null && break
    sleep 0.1
done
chroot "$rootfs" /usr/bin/env SPARK_PORT="$port" spark-healthcheck
answer="$(python3 -c '
import http.client, json, sys
connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
body = {"items": [{"problem": "1 + 1?", "response": "<step>1 + 1 = 2</step><answer>\\boxed{2}</answer>"}], "max_tokens": 8}
connection.request("POST", "/v1/reward", json.dumps(body), {"Authorization": "Bearer rootfs-test-key"})
print(connection.getresponse().status)' "$port")"
[ "$answer" = 200 ] || { echo "rootfs-test: /v1/reward answered $answer" >&2; cat "$rootfs/tmp/server.log" >&2; exit 1; }
kill -TERM "$server"
status=0
wait "$server" || status=$?
[ "$status" = 0 ] || { echo "rootfs-test: the server exited $status after SIGTERM" >&2; exit 1; }
server=""
grep -q "stopped (0 requests were cut short)" "$rootfs/tmp/server.log"
echo "rootfs-test: passed: $(chroot "$rootfs" dpkg-query -W -f='${Package}\n' | wc -l) packages, runtime files" \
    "$(du -sh "$rootfs/usr/local/bin" | cut -f1), healthy as user 10001, answered, drained on SIGTERM"
