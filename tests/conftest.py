"""Shared test set-up."""

import matplotlib

# Charts are drawn off-screen in tests: no display is needed.
matplotlib.use("Agg")
