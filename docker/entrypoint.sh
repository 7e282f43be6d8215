#!/usr/bin/env bash
# The container's entrypoint (docker/Dockerfile), run as it is by the tests on the host: every
# spark-server option can be set by an environment variable named SPARK_ and the option in capitals
# with underscores (--max-batch-tokens 256: SPARK_MAX_BATCH_TOKENS=256; flags take 1/true/yes or
# 0/false/no: SPARK_QUIET=1). Arguments given to the container come after them, and win. The image's
# defaults (SPARK_HOST=0.0.0.0, SPARK_PORT=8000) are set in docker/Dockerfile; without SPARK_MODEL the
# server serves the image's default model.
#
# The options are read from `spark-server --help`, so a new server option needs no change here. Two
# exceptions: --api-key is never built from SPARK_API_KEY, since the server reads that variable itself
# and a key on the command line is visible to every user in `ps`; --help is not an option to set.
#
# exec: spark-server replaces this shell, so the SIGTERM of `docker stop` or of Kubernetes reaches it
# directly and starts the graceful drain.
set -euo pipefail

help_text="$(spark-server --help)" || {
    echo "entrypoint: cannot run 'spark-server --help' (is it on PATH?)" >&2
    exit 1
}

arguments=()
# Help lines read "  --name VALUE   help" for an option with a value, "  --name   help" for a flag: the
# option and its value name are one space apart, the help text at least two spaces after.
option_line='^  (--[a-z0-9-]+)( [^ ]+)?  '
while IFS= read -r line; do
    [[ $line =~ $option_line ]] || continue
    option="${BASH_REMATCH[1]}"
    takes_value="${BASH_REMATCH[2]}"
    [[ $option == --help || $option == --api-key ]] && continue
    variable="SPARK_$(tr 'a-z-' 'A-Z_' <<< "${option#--}")"
    [[ -v $variable ]] || continue
    value="${!variable}"
    if [[ -n $takes_value ]]; then
        arguments+=("$option" "$value")
    else
        case "${value,,}" in
            1 | true | yes) arguments+=("$option") ;;
            0 | false | no | "") ;;
            *)
                echo "entrypoint: $variable is a flag: set it to 1, true or yes (or 0, false, no), not '$value'" >&2
                exit 2
                ;;
        esac
    fi
done <<< "$help_text"

# No secret is among the options built here (see --api-key above), so they can be shown; the
# container's own arguments are only counted.
echo "entrypoint: spark-server ${arguments[*]} (and $# arguments given to the container)" >&2
exec spark-server "${arguments[@]}" "$@"
