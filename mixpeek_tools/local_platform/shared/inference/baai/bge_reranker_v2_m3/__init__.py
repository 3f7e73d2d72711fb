"""BGE reranker v2 m3: relevance of each row's text to a query."""
