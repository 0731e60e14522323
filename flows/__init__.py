"""Prefect flows of bookrec: thin wrappers that call bookrec's library, one call per task.

The settings below are environment defaults that Prefect reads when it is first imported, so
they live here: every `flows.<name>` module imports this package before it imports prefect.
"""

import logging
import os

# Library modules log through `logging.getLogger("bookrec....")`; this routes them into
# Prefect's run log. Set before prefect is imported by the flow module's caller; a worker's
# flow run has set up logging before it imports this, so prefect.yaml sets it for deployments.
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "bookrec")
# ... at Prefect's level (INFO): Prefect gives an extra logger its handlers, not a level, and
# the root's WARNING dropped every progress line of the library (evaluate's top-N: minutes of
# silence).
logging.getLogger("bookrec").setLevel(os.environ.get("PREFECT_LOGGING_LEVEL", "INFO").upper())
# This machine may have no internet: the temporary server's telemetry would only log errors.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# The temporary server (no PREFECT_API_URL set) gets 20 s to start by default: too little on
# a busy 2-core laptop, where a slow start would fail the whole run.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
