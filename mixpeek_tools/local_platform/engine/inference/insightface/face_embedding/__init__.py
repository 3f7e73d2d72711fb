"""ArcFace face embeddings (512 dimensions) of face crops."""
