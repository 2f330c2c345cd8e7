"""The question floor: `retrieval` -> `answering` -> `evaluation`, with `cli` on top. Shared by all of them:
`params` (tuning numbers), `settings` (configuration), `messages` (user-facing text), `errors`.
Imports `embeddings`, never `ui`.
"""
