"""Tests of widget/admin/."""
