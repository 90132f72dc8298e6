"""The IR: nodes, primitives, type inference, printing, DOT and verification."""
