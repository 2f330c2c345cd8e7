"""The Gradio chat UI: `render` (pure HTML/Markdown) -> `service` (state, no Gradio) -> `app` (layout and events);
`articles`/`articles_panel` for the Articles panel; `cli` adds `qa chat`. Imports `qa` and `embeddings`; nothing imports it.
"""
