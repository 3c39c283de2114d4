"""Renderers of the master's sheets written by merge and plan.."""
