"""slopolicy in the editor: a Language Server Protocol server with every rule, as you type.

``slopolicy lsp`` runs :mod:`slopolicy.lsp.server` over stdio. Only that
module imports pygls (the ``lsp`` extra); the others are plain slopolicy:
:mod:`~slopolicy.lsp.workspace` keeps the project with the unsaved text of
open files over the files on disk and re-checks it after an edit, and the
feature modules answer hover, definition, references, code actions and
completion from its last check.
"""
