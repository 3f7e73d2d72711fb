"""SigLIP base patch16/224 image or text embeddings (768 dimensions)."""
