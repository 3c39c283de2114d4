"""The files: reading returns, writing scoring workbooks and the master.."""
