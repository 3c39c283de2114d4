"""One module per step of a round, shared by the CLI and the buttons.."""
