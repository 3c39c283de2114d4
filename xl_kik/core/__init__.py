"""What KIK is, on plain data: no Excel library, no file format.."""
