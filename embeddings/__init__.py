"""The build floor: articles -> passages -> vectors -> a store. Stages: `ingest` (files, pages, dates, cleaning) ->
`chunk` -> `encoders` -> `stores`, driven by `build`; `lexical` (folding, tokens, BM25) and `sentences` are the text
primitives both floors share. Imports nothing from `qa` or `ui`.
"""
