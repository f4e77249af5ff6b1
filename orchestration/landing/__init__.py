"""The landing multi-asset: the dlt pipeline that writes the `raw` schema."""
