"""all-MiniLM-L6-v2 sentence embeddings (384 dimensions), runnable offline."""
