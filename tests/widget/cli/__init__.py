"""Tests of widget/cli/."""
