"""Local stand-in for the platform's ``shared`` package (reached as ``shared.*`` via the alias finder)."""
