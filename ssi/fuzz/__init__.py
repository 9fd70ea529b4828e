"""Stateful fuzzing of the whole protocol on titanoboa (see ``ssi.fuzz.machine``)."""
