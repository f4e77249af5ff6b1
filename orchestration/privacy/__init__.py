"""Privacy requests as Dagster assets: carried out before landing, finished after publishing."""

import dagster as dg

REQUESTS_KEY = dg.AssetKey(["privacy", "requests"])
COMPLETED_KEY = dg.AssetKey(["privacy", "completed"])
