"""Video metadata through FFmpeg's demuxers (PyAV)."""
