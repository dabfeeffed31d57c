"""Tests of widget/recommendations/."""
