"""Image metadata: Pillow and pillow-heif, EXIF, XMP, sidecars, AI generation data."""
