"""The core every other package stands on: cdp.yml, settings, the segment compiler,
identifier normalisation, SQL quoting, the marts' schema and the Spark session's settings.
It imports nothing else of ours."""
