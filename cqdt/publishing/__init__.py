"""Publishing: the report notebook's content, its execution, HTML/PDF rendering and batches.

- :mod:`~cqdt.publishing.parameters` the notebook's parameters, validated
- :mod:`~cqdt.publishing.report`     what a report shows (called from the notebook)
- :mod:`~cqdt.publishing.charts`     static matplotlib charts
- :mod:`~cqdt.publishing.execute`    kernel, papermill, clean output notebooks
- :mod:`~cqdt.publishing.render`     nbconvert HTML (code hidden) and WeasyPrint PDF
- :mod:`~cqdt.publishing.batch`      every level and year in parallel, manifest and index
"""
