"""Publishing: report notebooks' content, their execution, HTML/PDF/Word rendering and batches.

- :mod:`~cqdt.publishing.parameters`          each notebook's parameters, validated (``KINDS``)
- :mod:`~cqdt.publishing.report`              the official report, section by section
- :mod:`~cqdt.publishing.sensitivity_report`  the weight-sensitivity report (``cqdt sensitivity``)
- :mod:`~cqdt.publishing.scenario_report`     the what-if report (``cqdt whatif``)
- :mod:`~cqdt.publishing.correction_report`   the change report after appeals (``cqdt correct``)
- :mod:`~cqdt.publishing.document`            parts of an administrative document (NĐ 30/2020)
- :mod:`~cqdt.publishing.annex_docx`          the ranking annex as a Word document
- :mod:`~cqdt.publishing.annex_pdf`           the many-page scorecard annex, one PDF per unit
- :mod:`~cqdt.publishing.charts`              static matplotlib charts
- :mod:`~cqdt.publishing.execute`             kernel, papermill, clean output notebooks
- :mod:`~cqdt.publishing.render`              nbconvert HTML (code hidden) and WeasyPrint PDF
- :mod:`~cqdt.publishing.batch`               any reports in parallel, manifest and index
"""
