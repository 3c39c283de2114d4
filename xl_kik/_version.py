__version__ = "0.1.0"
GENERATOR = f"xl_kik {__version__}"
