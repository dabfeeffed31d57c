"""Tests of widget/snippet/."""
