"""The report notebooks; this file makes the folder package data of ``cqdt`` (``pip install .``)."""
