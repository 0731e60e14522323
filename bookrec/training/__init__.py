"""Training the projector (see the modules for each step)."""
