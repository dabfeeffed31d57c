"""Tests of widget/events/."""
