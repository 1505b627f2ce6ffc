"""Upstream's instance (made by its ``deploy`` command in bench/.cache) with
the database from ``BENCH_DB_URL`` and the private Redis of the run from
``BENCH_REDIS_URL``.
"""

import os

import dj_database_url
from upstream_instance.settings import *  # noqa: F401,F403

DEBUG = False
ALLOWED_HOSTS = ["*"]
DATABASES = {"default": dj_database_url.parse(os.environ["BENCH_DB_URL"])}
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
for _queue in RQ_QUEUES.values():  # noqa: F405
    _queue.pop("HOST", None)
    _queue.pop("PORT", None)
    _queue.pop("DB", None)
    _queue["URL"] = REDIS_URL
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
}
# Mail homes and DKIM keys are not touched by the workloads.
# The benchmark sends thousands of requests a minute: lift the throttles.
REST_FRAMEWORK = dict(REST_FRAMEWORK)  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    name: "1000000/second" for name in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
}
