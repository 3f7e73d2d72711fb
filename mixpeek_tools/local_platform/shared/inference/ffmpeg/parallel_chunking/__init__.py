"""FFmpeg video segmentation into fixed-length chunks."""
