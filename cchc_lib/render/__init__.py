"""Rendering reports: papermill workers, warm kernels, executors (local, Dask), HTML, PDF, the index."""
