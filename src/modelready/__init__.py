"""modelready: is this ML model deployment ready for production? Evidence from the files themselves."""

__version__ = "0.1.0"
