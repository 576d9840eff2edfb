# Sourced by the bench scripts that run peers: installs them into bench/.venv on the first run
# (pinned versions, from PyPI), builds tutas in release mode, and sets `py`, `bin` and `tmp`
# (a folder removed on exit).
venv=bench/.venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet faker==40.63.0 duckdb==2.0.1 pandas==3.1.1 scikit-learn==1.9.1
fi
py="$venv/bin/python"
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/tutas
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
