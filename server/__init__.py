"""`cdp serve`: Segment's tracking API in front of the landing folder, and the profile API.

Beside ingestion in the layers: it imports only config and settings. It writes events
as the landing step reads them (Segment-spec JSON lines under the landing folder) and
reads profiles from the published snapshot, never from the warehouse a run writes.
"""
