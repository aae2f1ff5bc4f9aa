# shellcheck shell=bash
# Shared JDK discovery for bin/runbook and bin/test. Meant to be sourced, not run.
#
# find_jdk: pick a JDK whose major version is >= 21 (the project compiles with
# --release 21). Honours $JAVA_HOME when it qualifies, otherwise takes the
# highest-versioned JDK under /usr/lib/jvm. On success it exports JAVA_HOME and
# sets JAVA_MAJOR; on failure it prints why to stderr and returns 1.

# The callers already run with these; repeated so the library behaves the same
# when sourced on its own (for example when testing it in a subshell).
set -euo pipefail

RUNBOOK_MIN_JAVA=21

# java_version_of JAVA_BIN: print the quoted version string from `java -version`
# ("25.0.1", "21.0.5", "1.8.0_392"). Returns 1 when java won't run or says nothing usable.
java_version_of() {
  local out re='version "([^"]+)"'
  # java -version writes to stderr; JAVA_TOOL_OPTIONS notes may come first, hence the regex.
  out=$("$1" -version 2>&1) || return 1
  [[ $out =~ $re ]] || return 1
  printf '%s\n' "${BASH_REMATCH[1]}"
}

# java_major_of VERSION: old-style "1.8.0" -> 8, new-style "21.0.5" / "25-ea" -> 21 / 25.
java_major_of() {
  if [[ $1 =~ ^1\.([0-9]+) ]]; then
    printf '%s\n' "${BASH_REMATCH[1]}"
  elif [[ $1 =~ ^([0-9]+) ]]; then
    printf '%s\n' "${BASH_REMATCH[1]}"
  else
    return 1
  fi
}

# jdk_ok DIR: true when DIR has an executable bin/java and bin/javac (a JDK, not a JRE:
# the launcher may have to compile). Sets _jdk_version and _jdk_major for the caller.
jdk_ok() {
  local dir=$1
  [[ -x $dir/bin/java && -x $dir/bin/javac ]] || return 1
  _jdk_version=$(java_version_of "$dir/bin/java") || return 1
  _jdk_major=$(java_major_of "$_jdk_version") || return 1
  ((_jdk_major >= RUNBOOK_MIN_JAVA))
}

# JAVA_MAJOR is this function's output for the sourcing script.
# shellcheck disable=SC2034
find_jdk() {
  local _jdk_version _jdk_major
  local home=${JAVA_HOME:-}
  home=${home%/}

  # An explicit JAVA_HOME wins when it is good enough.
  if [[ -n $home ]] && jdk_ok "$home"; then
    export JAVA_HOME=$home
    JAVA_MAJOR=$_jdk_major
    return 0
  fi

  # Otherwise the newest JDK under /usr/lib/jvm. Debian keeps alias symlinks there
  # (java-1.17.0-openjdk-amd64 -> java-17-openjdk-amd64): probe each real dir once.
  local dir real best="" best_major=0 best_version=""
  local -A seen=()
  for dir in /usr/lib/jvm/*; do
    [[ -d $dir ]] || continue
    real=$(readlink -f -- "$dir") || continue
    [[ -z ${seen[$real]:-} ]] || continue
    seen[$real]=1
    jdk_ok "$dir" || continue
    # Higher major wins; on a tie the higher full version (sort -V) wins.
    if ((_jdk_major > best_major)) ||
      { ((_jdk_major == best_major)) &&
        [[ $(printf '%s\n%s\n' "$best_version" "$_jdk_version" | sort -V | tail -n 1) == "$_jdk_version" ]]; }; then
      best=$dir best_major=$_jdk_major best_version=$_jdk_version
    fi
  done

  if [[ -n $best ]]; then
    export JAVA_HOME=$best
    JAVA_MAJOR=$best_major
    return 0
  fi

  echo "runbook: needs a JDK 21 or newer; set JAVA_HOME or install one under /usr/lib/jvm (for example apt-get install openjdk-21-jdk or Temurin)" >&2
  if [[ -n $home ]]; then
    echo "runbook: JAVA_HOME=$home was ignored: no bin/java and bin/javac there reporting Java $RUNBOOK_MIN_JAVA or newer" >&2
  fi
  return 1
}
