"""E5 multilingual large instruct text embeddings (1024 dimensions)."""
