"""Local stand-in for the platform's ``engine`` package (reached as ``engine.*`` via the alias finder)."""
