"""The deterministic simulator: real consensus cores over a seeded network and clock."""
