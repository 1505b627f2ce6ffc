# Shared set-up of scripts/serve and scripts/test (sourced, not executed).
#
# bootstrap_packages <profile>: as root, install the Debian packages of
#   scripts/debian-packages.txt that are missing ("serve" installs only the
#   build dependencies, "test" installs everything).
# bootstrap_venv <requirements file>: create .venv and install the
#   requirements and the project itself, once per change of requirements.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$TOP/.venv"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

bootstrap_packages() {
    local profile=$1 wanted=() missing=() pkg
    while IFS= read -r pkg; do
        pkg=${pkg%%#*}; pkg=${pkg//[[:space:]]/}
        [ -n "$pkg" ] || continue
        wanted+=("$pkg")
        if [ "$profile" = serve ] && [ "$pkg" = postgresql ]; then
            break   # what follows is only needed by the test suite
        fi
    done < "$TOP/scripts/debian-packages.txt"
    for pkg in "${wanted[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
            missing+=("$pkg")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        log "Missing Debian packages (run as root to install them): ${missing[*]}"
        return 0
    fi
    log "Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    echo "postfix postfix/mailname string $(hostname)" | debconf-set-selections
    echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

bootstrap_venv() {
    local requirements=$1 stamp python=${PYTHON:-python3}
    if [ ! -x "$VENV/bin/python" ]; then
        log "Creating the virtualenv $VENV"
        "$python" -m venv "$VENV"
    fi
    stamp=$(cat "$TOP/requirements.txt" "$TOP/$requirements" "$TOP/setup.py" | sha256sum | cut -c1-16)
    if [ "$(cat "$VENV/.modoboa-stamp" 2>/dev/null)" != "$stamp-$requirements" ]; then
        log "Installing Python dependencies ($requirements)"
        "$VENV/bin/pip" install -q --disable-pip-version-check -r "$TOP/$requirements"
        "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps -e "$TOP"
        echo "$stamp-$requirements" > "$VENV/.modoboa-stamp"
    fi
}
