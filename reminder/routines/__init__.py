"""Routines: the model, the pure plan (routine → timed steps), the library of bundled and user routines."""
