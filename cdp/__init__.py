"""The `cdp` command: the top of the house, over orchestration, activation and core."""

import warnings

# great_expectations imports pyspark (the spark extra) whenever it is installed, and pyspark
# warns about pandas 3 at import. cdp's stderr is for the one line that says what went
# wrong; the warning is about pyspark's pandas bridge, which cdp never uses.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
