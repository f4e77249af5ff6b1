"""Landing: dlt pipelines that read the landing folder into the warehouse's `raw` schema."""
