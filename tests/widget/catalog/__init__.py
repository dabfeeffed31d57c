"""Tests of widget/catalog/."""
