"""snippet"""
