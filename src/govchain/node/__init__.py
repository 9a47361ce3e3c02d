"""The node: its home and configuration, and the composition root that wires every layer."""
