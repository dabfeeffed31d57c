"""Tests of widget/platform/."""
