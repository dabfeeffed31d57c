"""Tests of widget/integration/."""
