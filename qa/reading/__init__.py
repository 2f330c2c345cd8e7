"""Reading: what a question asks and what a text holds, as pure string functions. The kind of answer, the counted
noun and the post (`asking`), names, numbers, aliases and answer spans (`evidence`), provinces and cities
(`places`), and the word lists they read (`lexicon/`, data files with a README).

Both retrieval and answering read questions, so this room sits below both of them.
May import: `embeddings.lexical`, `embeddings.ingest.outlets` (the provinces), `qa.reading.lexicon`. Must not import: `qa.retrieval`, `qa.answering`,
`qa.evaluation`, `qa.cli`, `ui`, or any store or encoder.
"""
