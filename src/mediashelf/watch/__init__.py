"""`shelf watch`: filesystem events → dirty folders → settle → one batch through the
scan (and, for an inbox, the organize) service.

    limits   how many inotify watches the roots need and the kernel allows; which
             folders are watched and which are polled (network filesystems too)
    listen   watchdog's events reduced to hints: this folder changed, this file is
             open for writing
    poll     the folders that are not watched: their mtimes, every few seconds
    settle   dirty folders wait until they are quiet and two stat passes agree
    run      the loop: batches under the writer lease, the mount guard's pauses,
             reconciliation, clean stops
    report   one line (or one JSON object) per batch

Events are only hints: every change reaches the catalog through an ordinary scan of
the folders that changed, never from what an event said.
"""
