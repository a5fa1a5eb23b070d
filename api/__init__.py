"""HTTP adapter (FastAPI) over the casework core."""
