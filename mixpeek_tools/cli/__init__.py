"""Command-line front end: argument parsing, calling the kit, mapping outcomes to exit codes."""
