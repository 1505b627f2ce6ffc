#!/usr/bin/env bash
# Longer runs of the role-model property test (tests/security/test_role_model_stateful.py):
# random seeds, more runs and more steps than CI's fixed, bounded run.
#
# Usage: bench/role_model_stateful.sh [EXAMPLES] [STEPS] [ENGINE]
# Example: bench/role_model_stateful.sh 200 60 postgres
set -euo pipefail
TOP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXAMPLES="${1:-100}"
STEPS="${2:-50}"
ENGINE="${3:-sqlite}"
export MODOBOA_STATEFUL_EXAMPLES="$EXAMPLES" MODOBOA_STATEFUL_STEPS="$STEPS"
exec "$TOP/scripts/test" --engine "$ENGINE" --no-lint -n 1 -- \
    tests/security/test_role_model_stateful.py
