"""Tests of widget/invoices/."""
