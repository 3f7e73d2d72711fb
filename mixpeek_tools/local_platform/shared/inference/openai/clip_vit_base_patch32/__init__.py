"""CLIP ViT-B/32 image or text embeddings (512 dimensions)."""
