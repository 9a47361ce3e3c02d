"""Plain typed values shared by every layer: records, messages and the error tree."""
