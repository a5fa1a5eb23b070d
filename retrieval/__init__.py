"""Retrieval core: loaders, Vietnamese text handling, chunking, hybrid index, search, answers."""
