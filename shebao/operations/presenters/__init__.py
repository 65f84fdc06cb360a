"""How cluster 11 case payloads are shown, one module per area."""
