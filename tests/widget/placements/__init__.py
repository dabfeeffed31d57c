"""Tests of widget/placements/."""
