"""Loaders: the only code that knows file formats. Each turns files into plain values with locations."""
