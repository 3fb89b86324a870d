"""Audio metadata: format detection, mutagen loading, tag maps and stream fields."""
