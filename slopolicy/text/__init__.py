"""Text: bytes decoded, and YAML (or JSON) parsed into plain data with positions."""
