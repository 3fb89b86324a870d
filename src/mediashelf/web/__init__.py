"""`shelf serve`: the local web application over the catalog (pages, JSON API, files).

A front end like the command line: every route calls a service in `mediashelf.app` and
renders its result; there is no SQL and no logic of its own here.
"""
