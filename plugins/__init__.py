"""shoal's built-in rules, written on the public rule API (analyzer.rules)."""
