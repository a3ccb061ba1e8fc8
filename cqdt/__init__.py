"""cqdt: score, rank, classify and publish e-government (CQĐT) levels per QĐ 1784/QĐ-UBND.

The pipeline, one module per step (as in COINr):

- :mod:`cqdt.criteria`     criteria sets as data (YAML, read by :mod:`cqdt.yamlfile`), checked
- :mod:`cqdt.forms`, :mod:`cqdt.collect`  survey forms for units, and collecting them
- :mod:`cqdt.reading`, :mod:`cqdt.evidence`, :mod:`cqdt.register`  survey tables and the unit
  register, checked and normalised
- :mod:`cqdt.methods`      the scoring method of each criterion
- :mod:`cqdt.scoring`      points matrix -> parts, rates, levels, ranks (:class:`ScoreResult`)
- :mod:`cqdt.sensitivity`  weight sensitivity, re-aggregating the points matrix
- :mod:`cqdt.scenarios`, :mod:`cqdt.whatif_tables`, :mod:`cqdt.exploring`,
  :mod:`cqdt.explorer`  what-if scenarios, one or several side by side, and the interactive
  explorer (its state as scenario changes; its widgets)
- :mod:`cqdt.next_level`   what a unit needs for the next level
- :mod:`cqdt.comparison`, :mod:`cqdt.panel`, :mod:`cqdt.corrections`  year over year, several
  years at once; corrections after appeals
- :mod:`cqdt.tables`       the official tables
- :mod:`cqdt.files`, :mod:`cqdt.caveats`  any table as CSV or XLSX, and the caveats it carries
- :mod:`cqdt.publishing`   report notebooks, HTML, PDF, Word, index and manifest
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cqdt")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
