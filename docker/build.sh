#!/usr/bin/env bash
# Builds spark-server and lays out the container image's files under OUT (default .build/image):
# OUT/usr/local/bin/{spark-server, spark-entrypoint, spark-healthcheck} and the shipped default model in
# OUT/usr/local/share/spark/spark-prm-cot, where spark-server looks when no model is named
# (../share/spark/spark-prm-cot beside its binary). docker/Dockerfile runs this
# script in its build stage and copies OUT into the runtime image; CI runs it on the host, where no
# Docker engine runs, so the image's build steps are checked on every change.
#
# It then checks that the runtime image has what the binary links: every library the binary names
# (ELF NEEDED) must come from a package in docker/runtime-packages.txt or from debian:bookworm-slim
# itself (libc6; libgcc-s1 and libstdc++6, which apt needs). The Swift runtime is linked statically.
#
# usage: docker/build.sh [OUT]
#
# SPARK_BUILD_CONFIGURATION=debug is CI's quick mode: it reuses the tests' debug build instead of a
# release build (about two minutes on two cores), with the Swift runtime linked dynamically (a static
# link in debug fails on Foundation's CoreFoundation symbols, which only release strips), so the
# runtime's libraries are set aside in the check; the system libraries it checks are the same.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-.build/image}")"
configuration="${SPARK_BUILD_CONFIGURATION:-release}"
swift_runtime="$(dirname "$(dirname "$(realpath "$(command -v swift)")")")/lib/swift"

bash scripts/install-deps
if [ "$configuration" = release ]; then
    echo "build.sh: building spark-server (release, Swift runtime linked statically)" >&2
    swift build -c release --product spark-server --static-swift-stdlib
else
    echo "build.sh: building spark-server ($configuration, Swift runtime linked dynamically: quick mode)" >&2
    swift build -c "$configuration" --product spark-server
fi
binary="$(swift build -c "$configuration" --show-bin-path)/spark-server"

rm -rf "$out"
install -D -m 0755 "$binary" "$out/usr/local/bin/spark-server"
install -D -m 0755 docker/entrypoint.sh "$out/usr/local/bin/spark-entrypoint"
install -D -m 0755 docker/healthcheck.sh "$out/usr/local/bin/spark-healthcheck"
[ -f models/spark-prm-cot/config.json ] || {
    echo "build.sh: models/spark-prm-cot/config.json is missing: the image ships the default model" >&2
    exit 1
}
for file in models/spark-prm-cot/*; do
    install -D -m 0644 "$file" "$out/usr/local/share/spark/spark-prm-cot/$(basename "$file")"
done

# The Debian package that installed the library at $1 (Debian 12 merges /lib into /usr/lib, and dpkg
# knows each file under one of the two names).
package_of() {
    local path="$1" other
    case "$path" in /usr/*) other="${path#/usr}" ;; *) other="/usr$path" ;; esac
    { dpkg -S "$path" 2>/dev/null || dpkg -S "$other" 2>/dev/null || true; } | head -n 1 | cut -d: -f1
}

mapfile -t allowed < <(grep -v '^#' docker/runtime-packages.txt)
allowed+=(libc6 libgcc-s1 libstdc++6)
missing=()
linked=()
swift_libraries=0
while read -r library; do
    # ldd prints "name => path (address)", or "path (address)" for the dynamic loader.
    path="$(ldd "$binary" | awk -v name="$library" '$1 == name { print $3 } $1 ~ ("/" name "$") { print $1 }')"
    if [[ $configuration != release && $path == "$swift_runtime"/* ]]; then
        swift_libraries=$((swift_libraries + 1))
        continue
    fi
    package=""
    if [ -n "$path" ]; then package="$(package_of "$path")"; fi
    linked+=("$library ($package)")
    [[ " ${allowed[*]} " == *" $package "* ]] || missing+=("$library from ${package:-an unknown package}")
done < <(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')

echo "build.sh: spark-server links ${linked[*]}" >&2
if [ "$swift_libraries" -gt 0 ]; then echo "build.sh: and $swift_libraries Swift runtime libraries" >&2; fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "build.sh: the runtime image lacks ${missing[*]}: add the package to docker/runtime-packages.txt" >&2
    exit 1
fi
echo "build.sh: image files in $out ($(du -sh "$out" | cut -f1))" >&2
