"""The one error the APIs answer with: an HTTP status, a code a client can branch on,
and a message for the person reading it (never a key or a value from the request)."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
