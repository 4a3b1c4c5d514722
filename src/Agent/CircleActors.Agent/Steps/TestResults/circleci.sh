#!/bin/sh
# The `circleci tests glob` and `circleci tests split` commands CircleCI jobs call, placed on the
# PATH of every CircleActors task by its agent. Written for POSIX sh and awk alone, because
# build images are often minimal (busybox) and have neither bash nor anything the agent runs on.
#
#   circleci tests glob PATTERN...
#       Files matching any pattern, sorted, one a line. `*` and `?` stay within a directory,
#       `**` crosses directories, `[abc]` and `{foo,bar}` as in a shell.
#   circleci tests split [--split-by=name|filesize|timings] [--timings-type=filename|classname|testname]
#                        [--time-default=SECONDS] [--total=N] [--index=I] [FILE]
#       Reads names (from FILE or stdin, separated by spaces or newlines) and prints, one a
#       line, the share of parallel task I of N (CIRCLE_NODE_INDEX of CIRCLE_NODE_TOTAL by default).
#       name: the sorted names in N even runs. filesize and timings: heaviest first, each into
#       the share that is lightest so far. Timings are the test results the job stored in its
#       last completed run, summed per file (or classname, or test name); a name with no timing
#       weighs the average of those that have one (or --time-default).
#
# The timings file (CIRCLEACTORS_TEST_TIMINGS, else test-timings beside this script) has one
# line per test case: file, classname, name and seconds, separated by tabs.

set -u
me=circleci
tab=$(printf '\t')

die() {
    printf '%s: %s\n' "$me" "$*" >&2
    exit 1
}

usage() {
    cat >&2 <<USAGE
usage: $me tests glob PATTERN...
       $me tests split [--split-by=name|filesize|timings] [--timings-type=filename|classname|testname]
                       [--time-default=SECONDS] [--total=N] [--index=I] [FILE]
USAGE
    exit 2
}

# The directory a pattern's files are under: its leading segments that hold no wildcard.
glob_base() {
    printf '%s\n' "$1" | awk -F/ '{
        base = ""
        for (i = 1; i < NF; i++) {
            if (index($i, "*") || index($i, "?") || index($i, "[") || index($i, "{")) break
            base = (i == 1) ? $i : base "/" $i
        }
        if (base == "" && $1 == "" && NF > 1) base = "/"
        if (base == "") base = "."
        print base
    }'
}

# A pattern as an extended regular expression that must match a whole path.
glob_regex() {
    printf '%s\n' "$1" | awk '{
        p = $0; n = length(p); out = ""; depth = 0; i = 1
        while (i <= n) {
            c = substr(p, i, 1)
            if (c == "*" && substr(p, i + 1, 1) == "*") {
                if (substr(p, i + 2, 1) == "/") { out = out "(.*/)?"; i += 3 } else { out = out ".*"; i += 2 }
                continue
            }
            if (c == "*") out = out "[^/]*"
            else if (c == "?") out = out "[^/]"
            else if (c == "[" && (end = index(substr(p, i + 1), "]")) > 1) {
                set = substr(p, i + 1, end - 1)
                if (substr(set, 1, 1) == "!") set = "^" substr(set, 2)
                out = out "[" set "]"
                i += end + 1
                continue
            }
            else if (c == "{") { out = out "("; depth++ }
            else if (c == "}" && depth > 0) { out = out ")"; depth-- }
            else if (c == "," && depth > 0) out = out "|"
            else if (index("\\.+()|^$[]{}", c)) out = out "\\" c
            else out = out c
            i++
        }
        print "^" out "$"
    }'
}

tests_glob() {
    [ $# -gt 0 ] || die "tests glob: give at least one pattern"
    for pattern in "$@"; do
        base=$(glob_base "$pattern")
        [ -d "$base" ] || continue
        # The regex goes through the environment: awk -v would treat its backslashes as escapes.
        find "$base" -type f 2>/dev/null | GLOB_RE=$(glob_regex "$pattern") GLOB_BASE=$base awk '{
            path = $0
            if (ENVIRON["GLOB_BASE"] == "." && substr(path, 1, 2) == "./") path = substr(path, 3)
            if (path ~ ENVIRON["GLOB_RE"]) print path
        }'
    done | sort -u
}

is_count() {
    case $1 in '' | *[!0-9]*) return 1 ;; esac
}

tests_split() {
    split_by=name timings_type= time_default= input=
    total=${CIRCLE_NODE_TOTAL:-1}
    node=${CIRCLE_NODE_INDEX:-0}
    while [ $# -gt 0 ]; do
        case $1 in
            --*=*) option=${1%%=*} value=${1#*=} ;;
            --show-counts | --verbose) shift; continue ;;
            --*) option=$1 value=${2-}; [ $# -ge 2 ] || die "tests split: $1 needs a value"; shift ;;
            -) input=; shift; continue ;;
            -*) die "tests split: unknown option $1" ;;
            *) input=$1; shift; continue ;;
        esac
        shift
        case $option in
            --split-by) split_by=$value ;;
            --timings-type) timings_type=$value ;;
            --time-default) time_default=${value%s} ;;
            --total) total=$value ;;
            --index) node=$value ;;
            *) die "tests split: unknown option $option" ;;
        esac
    done
    case $split_by in name | filesize | timings) ;; *) die "tests split: --split-by must be name, filesize or timings, not '$split_by'" ;; esac
    case $timings_type in '' | filename | classname | testname) ;; *) die "tests split: --timings-type must be filename, classname or testname, not '$timings_type'" ;; esac
    is_count "$total" && [ "$total" -ge 1 ] || die "tests split: the total must be a whole number of at least 1, not '$total'"
    is_count "$node" && [ "$node" -lt "$total" ] || die "tests split: the index must be a whole number below the total ($total), not '$node'"
    [ -z "$input" ] || [ -r "$input" ] || die "tests split: cannot read $input"

    names() {
        if [ -n "$input" ]; then cat -- "$input"; else cat; fi | tr ' \t\r' '\n\n\n' | awk 'NF' | sort -u
    }

    case $split_by in
        name)
            names | awk -v total="$total" -v node="$node" '
                { names[++n] = $0 }
                END { for (i = 1; i <= n; i++) if (int((i - 1) * total / n) == node) print names[i] }'
            return
            ;;
        filesize)
            names | while IFS= read -r name; do
                size=$(wc -c <"$name" 2>/dev/null) || size=0
                printf '%s\t%s\n' "$(printf '%s' "$size" | tr -d ' ')" "$name"
            done | awk -F "$tab" '{ printf "%s\t%d\t%s\n", $1 + 0, NR, $2 }' | balance
            return
            ;;
    esac

    timings=${CIRCLEACTORS_TEST_TIMINGS:-$(dirname -- "$0")/test-timings}
    [ -r "$timings" ] || timings=/dev/null
    names | TIMINGS=$timings awk -F "$tab" -v type="$timings_type" -v fallback="$time_default" '
        function key(name) { sub(/^\.\//, "", name); return name }
        BEGIN {
            while ((getline line < ENVIRON["TIMINGS"]) > 0) {
                split(line, f, "\t")
                if (f[1] != "") byfile[key(f[1])] += f[4]
                if (f[2] != "") byclass[f[2]] += f[4]
                if (f[3] != "") bytest[f[3]] += f[4]
            }
        }
        { names[++n] = $0 }
        END {
            if (n == 0) exit
            # Without a --timings-type, file names are tried first, then class names.
            if (type == "") {
                type = "filename"
                for (i = 1; i <= n; i++) if (key(names[i]) in byfile) { found = 1; break }
                if (!found) for (i = 1; i <= n; i++) if (names[i] in byclass) { type = "classname"; break }
            }
            for (i = 1; i <= n; i++) {
                k = type == "filename" ? key(names[i]) : names[i]
                if (type == "filename" && k in byfile) t[i] = byfile[k]
                else if (type == "classname" && k in byclass) t[i] = byclass[k]
                else if (type == "testname" && k in bytest) t[i] = bytest[k]
                else continue
                known++; sum += t[i]
            }
            if (known == 0) printf "%s: no timing data for these names; splitting them by count\n", "circleci" > "/dev/stderr"
            else if (known < n) printf "%s: %d of %d names have no timing data; each counts as %s\n", "circleci", n - known, n, fallback != "" ? fallback "s" : "the average" > "/dev/stderr"
            unknown = fallback != "" ? fallback + 0 : (known > 0 ? sum / known : 1)
            for (i = 1; i <= n; i++) printf "%.6f\t%d\t%s\n", (i in t) ? t[i] : unknown, i, names[i]
        }' | balance
}

# Reads weight, order and name (tab-separated), and prints this share's names: heaviest first,
# each into the lightest share so far (the first such on ties), then sorted.
balance() {
    sort -t "$tab" -k1,1nr -k2,2n | awk -F "$tab" -v total="$total" -v node="$node" '
        {
            best = 0
            for (b = 1; b < total; b++) if (load[b] + 0 < load[best] + 0) best = b
            load[best] += $1
            if (best == node) print $3
        }' | sort
}

[ $# -ge 1 ] || usage
case $1 in
    tests)
        [ $# -ge 2 ] || usage
        command=$2
        shift 2
        case $command in
            glob) tests_glob "$@" ;;
            split) tests_split "$@" ;;
            *) die "tests $command is not supported here (tests glob and tests split are)" ;;
        esac
        ;;
    *) die "$1 is not supported here: only the tests glob and tests split commands run inside a CircleActors job" ;;
esac
