"""Rendering reports: batches, workers, kernels, HTML and PDF export.

Importing this package keeps `rfc3987_syntax` out of the process before
anything imports nbformat: jupyterlab pulls it in, and jsonschema then
builds a grammar at every `import nbformat` (~1.5 s;
python-jsonschema/jsonschema#1392).  nbformat's schema uses no IRI format,
so nothing is lost.
"""
import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
