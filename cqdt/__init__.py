"""cqdt: score, rank, classify and publish e-government (CQĐT) levels per QĐ 1784/QĐ-UBND.

The pipeline, one module per step (as in COINr):

- :mod:`cqdt.criteria`   criteria sets as data (YAML), checked
- :mod:`cqdt.evidence`   survey tables, checked and normalised
- :mod:`cqdt.methods`    the scoring method of each criterion
- :mod:`cqdt.scoring`    points matrix -> parts, rates, levels, ranks (:class:`ScoreResult`)
- :mod:`cqdt.tables`     the official tables, CSV and XLSX
- :mod:`cqdt.publishing` report notebooks, HTML, PDF, index and manifest
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cqdt")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
