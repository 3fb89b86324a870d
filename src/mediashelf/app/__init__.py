"""The service layer: mediashelf's use cases as functions.

The command line, the watcher and the web server call these and nothing below them.
Each service takes settings, a catalog and an event sink, and returns a typed result;
none of them prints, parses arguments or knows which front end called it.
"""
