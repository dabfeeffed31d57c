"""Why a catalogue upload, feed or fetch is refused as a whole (`status` is the HTTP code).

A row that cannot be read or is invalid is that row's problem (a `rows.Rejection`); these
refuse the upload, after storing the valid rows before the refusal:

CatalogUploadError
├── MalformedUpload       400  (not a JSON array, no CSV header, empty body...)
├── FeedUnreachable       400  (a feed URL that could not be fetched, and why)
├── UploadTooLarge        413
├── RowTooLarge           413
├── UnsupportedFormat     415  (lists the formats known)
└── InvalidFeedOption     422  (a currency differing from the shop's, no store URL...)
"""

from __future__ import annotations


class CatalogUploadError(Exception):
    """An upload refused as a whole; rows read before the refusal may have been stored."""

    status = 400

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


class MalformedUpload(CatalogUploadError):
    status = 400


class FeedUnreachable(CatalogUploadError):
    status = 400


class UploadTooLarge(CatalogUploadError):
    status = 413


class RowTooLarge(CatalogUploadError):
    status = 413


class UnsupportedFormat(CatalogUploadError):
    status = 415


class InvalidFeedOption(CatalogUploadError):
    status = 422
