# bash completion for promote(1)
#
# Installed as share/bash-completion/completions/promote, where bash-completion loads it
# on first use; or source it from ~/.bashrc. It needs nothing from bash-completion.
#
# Completes the commands and their subcommands, the options of each, option values
# with a fixed set of choices, files and directories where an option wants one, git
# remotes and refs, and environment names. The options come from promote itself:
# 'promote VERB [SUB] --completion-helper' prints those of the command's option table.
# Environment names come from the policy, as 'promote env show --format json' prints it
# (parsed with jq or python3). When promote cannot say (no repository, no policy, an
# older promote) nothing is offered: never a guess.
#
# Lists of words are split on purpose, with pathname expansion off (set -f in _promote).
# shellcheck disable=SC2046,SC2086

_promote_verbs="check explain replay rollback inspect audit keys record hold unhold status report env help"

# _promote_takes_value OPTION: true when OPTION takes a value (the next word, or after '=')
_promote_takes_value() {
    case $1 in
    --repo | --policy | --policy-ref | --commit | --evidence | --github-api | --github-repo | \
        --github-timeout | --github-max-wait | --release-pr | --release-version | --key | \
        --remote | --reason | --wait-timeout | --wait-interval | --to | --env | --kind | --verdict | --actor | \
        --since | --until | --limit | --pubkey | --expect | --out | --result | --deployment | \
        --note | --format | --terraform | --workflows)
        return 0
        ;;
    esac
    return 1
}

# _promote_subs VERB: the subcommands of VERB, if it has any
_promote_subs() {
    case $1 in
    audit) echo "log show verify export push migrate" ;;
    keys) echo "generate show export" ;;
    record) echo "deployed dr-test" ;;
    env) echo "show check" ;;
    esac
}

# _promote_opts PROMOTE VERB SUB: the options of one command, one a line, as
# 'PROMOTE VERB SUB --completion-helper' lists them (VERB promote: the command without a
# verb); those that take a value end with '=' there, not here; nothing when it fails
_promote_opts() {
    local out w
    [[ $2 == promote ]] && set -- "$1" "" ""
    out=$(timeout 5 "$1" ${2:+"$2"} ${3:+"$3"} --completion-helper 2>/dev/null </dev/null) ||
        return 0
    for w in $out; do
        case $w in
        --[a-z]*) printf '%s\n' "${w%=}" ;;
        esac
    done
}

# _promote_envs PROMOTE [DIR]: the environment names of the policy, in policy order,
# as 'PROMOTE env show --format json' run in DIR reports them; nothing when it fails
_promote_envs() {
    local json name
    json=$(cd "${2:-.}" 2>/dev/null &&
        timeout 5 "$1" env show --format json 2>/dev/null </dev/null) || return 0
    {
        printf '%s' "$json" | jq -r '
            (if type == "object" then .environments else . end)
            | if type == "array" then .[] | objects | .name | strings
              elif type == "object" then keys_unsorted[]
              else empty end' 2>/dev/null ||
            printf '%s' "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
e = d.get("environments") if isinstance(d, dict) else d
if isinstance(e, list):
    e = [x.get("name") for x in e if isinstance(x, dict)]
for n in e if isinstance(e, (list, dict)) else []:
    if isinstance(n, str):
        print(n)' 2>/dev/null
    } | while IFS= read -r name; do
        case $name in
        '' | *[!a-z0-9_-]*) ;; # the policy's names are [a-z0-9_-]; skip anything else
        *) printf '%s\n' "$name" ;;
        esac
    done
}

# _promote_reply WORD...: COMPREPLY = the WORDs that start with $cur
_promote_reply() {
    local w
    for w in "$@"; do
        [[ $w == "$cur"* ]] && COMPREPLY+=("$w")
    done
}

_promote_files() {
    compopt -o filenames 2>/dev/null
    mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "$cur")
}

_promote_dirs() {
    compopt -o filenames 2>/dev/null
    mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -d -- "$cur")
}

_promote() {
    local cur=${COMP_WORDS[COMP_CWORD]} opt="" prog=${COMP_WORDS[0]}
    local verb="" sub="" repo="" w i npos=0
    local -
    set -f
    COMPREPLY=()

    # bash splits --opt=value at '=': complete the value of the option before it
    if [[ $cur == "=" && ${COMP_WORDS[COMP_CWORD - 1]} == --* ]]; then
        opt=${COMP_WORDS[COMP_CWORD - 1]}
        cur=""
    elif ((COMP_CWORD >= 2)) && [[ ${COMP_WORDS[COMP_CWORD - 1]} == "=" &&
        ${COMP_WORDS[COMP_CWORD - 2]} == --* ]]; then
        opt=${COMP_WORDS[COMP_CWORD - 2]}
    elif { ((COMP_CWORD >= 3)) && [[ ${COMP_WORDS[COMP_CWORD - 1]} == "=" &&
        ${COMP_WORDS[COMP_CWORD - 3]} == --evidence ]]; } ||
        { ((COMP_CWORD >= 2)) && [[ $cur == "=" && ${COMP_WORDS[COMP_CWORD - 2]} == --evidence ]]; }; then
        # --evidence <gate>=<path>: the path
        [[ $cur == "=" ]] && cur=""
        _promote_files
        return 0
    fi

    # the words before the cursor: the command, its subcommand, the positionals so far
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [[ $w == "=" ]]; then
            # --opt=value: skip the value
            [[ ${COMP_WORDS[i - 1]} == --repo ]] && ((i + 1 < COMP_CWORD)) && repo=${COMP_WORDS[i + 1]}
            ((i++))
            continue
        fi
        if [[ $w == -* ]]; then
            # an option's value is the next word, unless it follows '='
            if _promote_takes_value "$w" && [[ ${COMP_WORDS[i + 1]} != "=" ]]; then
                [[ $w == --repo ]] && ((i + 1 < COMP_CWORD)) && repo=${COMP_WORDS[i + 1]}
                ((i++))
            fi
            continue
        fi
        if [[ -z $verb ]]; then
            if [[ " $_promote_verbs " == *" $w "* ]]; then
                verb=$w
            else
                verb=promote # promote <from> <to>: this word is <from>
                npos=1
            fi
        elif [[ -z $sub && -n $(_promote_subs "$verb") ]]; then
            sub=$w
        else
            ((npos++))
        fi
    done

    # the value of an option
    if [[ -z $opt ]] && ((COMP_CWORD >= 2)) && _promote_takes_value "${COMP_WORDS[COMP_CWORD - 1]}"; then
        opt=${COMP_WORDS[COMP_CWORD - 1]}
    fi
    if [[ -n $opt ]]; then
        case $opt in
        --repo | --terraform | --workflows) _promote_dirs ;;
        --policy | --key | --pubkey | --out) _promote_files ;;
        --evidence) [[ $verb == record ]] && _promote_files ;; # else <gate>=<path>
        --env) _promote_reply $(_promote_envs "$prog" "$repo") ;;
        --format)
            if [[ $verb == report ]]; then
                _promote_reply text markdown json html
            else
                _promote_reply table markdown json
            fi
            ;;
        --result)
            if [[ $sub == dr-test ]]; then
                _promote_reply pass fail
            else
                _promote_reply success failure
            fi
            ;;
        --kind) _promote_reply decision deployment dr_test hold unhold rollback superseded ;;
        --verdict) _promote_reply approved rejected error ;;
        --remote) _promote_reply $(git ${repo:+-C "$repo"} remote 2>/dev/null) ;;
        --policy-ref | --commit)
            _promote_reply $(git ${repo:+-C "$repo"} for-each-ref \
                --format='%(refname:short)' refs/heads refs/remotes refs/tags 2>/dev/null)
            ;;
        esac
        return 0
    fi

    if [[ $cur == -* ]]; then
        if [[ -z $verb ]]; then
            _promote_reply --version $(_promote_opts "$prog" promote "")
        elif [[ -z $sub && -n $(_promote_subs "$verb") ]]; then
            _promote_reply $(_promote_opts "$prog" "$verb" "")
        else
            _promote_reply $(_promote_opts "$prog" "$verb" "$sub")
        fi
        return 0
    fi

    # a positional argument
    if [[ -z $verb ]]; then
        _promote_reply $_promote_verbs $(_promote_envs "$prog" "$repo")
        return 0
    fi
    if [[ -z $sub && -n $(_promote_subs "$verb") ]]; then
        _promote_reply $(_promote_subs "$verb")
        return 0
    fi
    case $verb/$sub in
    promote/* | check/* | explain/*)
        ((npos < 2)) && _promote_reply $(_promote_envs "$prog" "$repo")
        ;;
    rollback/* | hold/* | unhold/* | status/* | env/show)
        ((npos < 1)) && _promote_reply $(_promote_envs "$prog" "$repo")
        ;;
    inspect/* | keys/show | keys/export)
        ((npos < 1)) && _promote_files
        ;;
    help/*)
        ((npos < 1)) && _promote_reply promote $_promote_verbs
        ;;
    esac
    return 0
}

complete -F _promote promote
