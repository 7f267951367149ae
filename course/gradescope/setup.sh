#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image (Ubuntu, as root).
# It installs edulayers and nbgrader; run_autograder then grades each submission with
# nbgrader's own autograde, exactly as on a JupyterHub. The zip holds this file,
# run_autograder, nbgrader_config.py, source/<assignment>/ and the edulayers wheel the course
# uses (python -m pip wheel --no-deps . -w <zip folder>); see book/instructors.md.
set -euo pipefail
AUTOGRADER="${AUTOGRADER:-/autograder}"
apt-get update -q && apt-get install -y -q python3 python3-pip python3-venv
python3 -m venv "$AUTOGRADER/venv"
"$AUTOGRADER/venv/bin/pip" install --upgrade pip
"$AUTOGRADER/venv/bin/pip" install "$AUTOGRADER"/source/edulayers-*.whl "nbgrader>=0.9" ipykernel
# nbgrader starts the notebook's kernel, "python3": the one of this environment
"$AUTOGRADER/venv/bin/python" -m ipykernel install --name python3 --display-name "Python 3"
