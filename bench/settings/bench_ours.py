"""Our instance as a benchmark runs it: production hashing rounds, no
debug, the database given by ``BENCH_DB_URL``.
"""

import os

import dj_database_url

from modoboa.test_settings import *  # noqa: F401,F403

MODOBOA_TEST_PASSWORD_ROUNDS = None
DEBUG = False
DATABASES = {"default": dj_database_url.parse(os.environ["BENCH_DB_URL"])}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"].endswith("mysql"):
    DATABASES["default"]["OPTIONS"] = {"charset": "utf8mb4"}
