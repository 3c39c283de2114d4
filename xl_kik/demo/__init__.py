"""Simulated participants and the demo round (no demo code anywhere else).."""
