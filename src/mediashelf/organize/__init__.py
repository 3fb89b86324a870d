"""Organize: path templates, and the plan that puts catalogued files into a tidy tree.

Planning only: `mediashelf.journal` carries a plan out, recovers it and undoes it.
"""
