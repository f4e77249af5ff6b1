"""The core every other package stands on: cdp.yml, settings, the segment compiler,
identifier normalisation, SQL quoting and the marts' schema. It imports nothing else of ours."""
