"""Prefect flows of bookrec: thin wrappers that call bookrec's library, one call per task.

The settings below are environment defaults that Prefect reads when it is first imported, so
they live here: every `flows.<name>` module imports this package before it imports prefect.
"""

import os

# Library modules log through `logging.getLogger("bookrec....")`; this routes them into
# Prefect's run log. Set before prefect is imported by the flow module's caller.
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "bookrec")
# This machine may have no internet: the temporary server's telemetry would only log errors.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# The temporary server (no PREFECT_API_URL set) gets 20 s to start by default: too little on
# a busy 2-core laptop, where a slow start would fail the whole run.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
