"""Tests of widget/orders/."""
