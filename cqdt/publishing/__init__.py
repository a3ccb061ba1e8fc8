"""Publishing: report kinds, their notebooks' execution, HTML/PDF/Word rendering and batches.

This layer sits above the core (:mod:`cqdt.scoring` and the modules it builds on): it presents
results and never computes a number the core does not give. Nothing in the core imports it.

- :mod:`~cqdt.publishing.kinds`       one module per report kind, registered by name
  (official report, sensitivity, what-if, correction): parameters, planning, sections
- :mod:`~cqdt.publishing.parameters`  what every notebook's parameters share, validated
- :mod:`~cqdt.publishing.outcome`     a planned report and what became of it (manifest record)
- :mod:`~cqdt.publishing.context`     what every report's context gives: its warnings
- :mod:`~cqdt.publishing.html`        HTML building blocks shared by every kind and the explorer
- :mod:`~cqdt.publishing.document`    parts of an administrative document (NĐ 30/2020), per run
- :mod:`~cqdt.publishing.charts`      static matplotlib charts
- :mod:`~cqdt.publishing.annex_docx`  the ranking annex as a Word document
- :mod:`~cqdt.publishing.annex_pdf`   the many-page scorecard annex, one PDF per unit
- :mod:`~cqdt.publishing.execute`     kernel, papermill, clean output notebooks
- :mod:`~cqdt.publishing.render`      nbconvert HTML (code hidden) and WeasyPrint PDF
- :mod:`~cqdt.publishing.batch`       planned reports of any kind in parallel, manifest, index
"""
