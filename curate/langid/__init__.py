"""Language identification: langdetect's profiles scored in one deterministic vectorised pass."""
