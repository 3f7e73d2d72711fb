"""Google Vertex AI text generation over each row."""
