"""The genstudio engine: datasets, model families, training, run folders.

torch + numpy + pillow only; this package never imports Qt.
"""
