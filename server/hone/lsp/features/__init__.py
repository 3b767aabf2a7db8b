"""LSP features: one module per feature (see hone.lsp.feature for the contract)."""
