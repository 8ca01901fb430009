# Sourced by ./copyless and ./mvnw: point JAVA_HOME at a JDK 25 or newer, or explain what to install.
copyless_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n 1
}
copyless_find_jdk25() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* /usr/lib/jvm/* \
      "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    major=$(copyless_java_major "$candidate")
    major=${major%%.*}
    if [ -n "$major" ] && [ "$major" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  echo "copyless needs a JDK 25 or newer and found none (JAVA_HOME, /usr/lib/jvm, java on PATH)." >&2
  echo "Install one (e.g. Temurin 25: https://adoptium.net, or 'apt install temurin-25-jdk') and set JAVA_HOME to it." >&2
  return 1
}
copyless_find_jdk25 || exit 2
